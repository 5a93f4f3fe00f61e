from django.conf import settings


def autosave_timing(request):
    """How often static/js/autosave.js saves during a long burst of typing."""
    return {"autosave_max_wait_ms": settings.AUTOSAVE_MAX_WAIT_MS}
