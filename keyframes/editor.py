"""What the keyframes app adds to the cut editor page."""

from projects.models import Cut


def cut_editor_context(cut: Cut) -> dict:
    return {}
