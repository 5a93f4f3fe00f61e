"""The Generate prompt button of the cut editor and the status it polls while the writer runs."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from cutflow.ratelimit import RateLimited, check_rate_limit
from keyframes import prompting
from projects import services as project_services
from projects.access import get_owned_cut
from projects.forms import CutTextForm
from projects.models import Cut
from projects.text_form import initial_text, text_context


@require_POST
def prompt_write(request, cut_id):
    """Saves the text as typed (so the writer reads the script on screen), then queues the writer.

    The whole text form comes back: replacing it also drops the form's pending autosave, which
    would otherwise send the old prompt after the new one was written.
    """
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    typed = "script" in request.POST
    form = CutTextForm(request.POST if typed else initial_text(cut))
    status = 200
    if form.is_valid():
        try:
            check_rate_limit(user=request.user, action="prompt", rate=settings.PROMPT_RATE_LIMIT)
            if typed:
                project_services.update_cut_text(cut=cut, **form.cleaned_data)
            prompting.request_prompt(cut=cut, user=request.user)
        except RateLimited as exc:
            form.add_error(None, exc)
            status = 429
        except ValidationError as exc:
            form.add_error(None, exc)
    if not request.htmx:
        return redirect(cut)
    context = {"text_form": form} if form.errors else {}
    response = cut_text_response(request, cut, context)
    response.status_code = status
    return response


@require_GET
def prompt_status(request, cut_id):
    cut = prompting.fail_stale_prompt_task(cut=get_owned_cut(user=request.user, cut_id=cut_id))
    if not request.htmx:
        return redirect(cut)
    if cut.prompt_task == Cut.PromptTask.WRITING:
        html = render_to_string("keyframes/prompt_tools.html", {"cut": cut}, request=request)
        return HttpResponse(html)
    response = cut_text_response(request, cut, {})
    # After the swap, so the reference panel reads the new prompt from the new form.
    return trigger_client_event(response, "prompt-changed", after="settle")


def cut_text_response(request, cut: Cut, extra: dict) -> HttpResponse:
    """The cut's text form with its current values, and the status badge above it."""
    context = text_context(cut) | extra
    html = render_to_string("projects/storyboard.html#cut-text", context, request=request)
    html += render_to_string("keyframes/prompt_tools.html#cut-status", context, request=request)
    response = HttpResponse(html)
    return reswap(retarget(response, "#cut-text"), "outerHTML")
