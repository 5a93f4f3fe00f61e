"""What Generate and Start take share: the rate limit, the start, and every refusal as form
errors with its HTTP status (a deleted cut is a 404)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django_htmx.http import trigger_client_event

from credits.services import InsufficientCredits
from cutflow.ratelimit import RateLimited, check_rate_limit
from projects.services import CutGone


def start_errors(request, *, action: str, start: Callable[[], object]) -> tuple[dict, int]:
    try:
        check_rate_limit(user=request.user, action=action, rate=settings.GENERATION_RATE_LIMIT)
        start()
    except CutGone:
        raise Http404("This cut was deleted.") from None
    except InsufficientCredits as exc:
        return {"credits": exc.messages}, 200
    except RateLimited as exc:
        return exc.message_dict, 429
    except ValidationError as exc:
        return exc.message_dict, 200
    return {}, 200


def offer_credits_if_short(response, errors: dict):
    """A start refused for want of credits opens the purchase dialog over the page."""
    if "credits" in errors:
        trigger_client_event(response, "open-purchase-dialog")
    return response


def redirect_with_errors(request, cut, errors: dict):
    """A page without htmx: back to the cut, each refusal shown as a message."""
    for message in sum(errors.values(), []):
        messages.error(request, message)
    return redirect(cut)
