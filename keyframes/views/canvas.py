"""The cut editor's keyframe canvas: generate, poll, select, delete, upload, cancel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from cutflow.ratelimit import check_upload_rate
from keyframes import keyframe_actions
from keyframes.canvas import canvas_state
from keyframes.editor import canvas_context, controls_context
from keyframes.flight_progress import progress_from_rows
from keyframes.forms import GenerateForm, GenerationChoiceForm, UploadKeyframeForm
from keyframes.generate_controls import choose_generation as keep_generation_choice
from keyframes.generate_controls import save_text_and_generate
from keyframes.job_faults import cancel_job
from keyframes.models import GenerationJob, Keyframe
from keyframes.views.starting import offer_credits_if_short, redirect_with_errors, start_errors
from projects.access import get_owned_cut
from projects.cut_list import cut_entry_html
from projects.forms import CutTextForm
from projects.models import Cut
from projects.text_form import saved_text_form, text_context

CANVAS_RESPONSE = "keyframes/canvas_response.html"


@require_GET
def canvas(request, cut_id):
    # A poll shows no cut list entry, so it needs no representative's thumbnail.
    cut = get_owned_cut(user=request.user, cut_id=cut_id, with_representative=False)
    context = canvas_response_context(request, cut, poll=True)
    return render(request, CANVAS_RESPONSE, context)


@require_GET
def generate_controls(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = GenerationChoiceForm(request.GET)
    choice = form.cleaned_data if form.is_valid() else {}
    context = {"cut": cut, "project": cut.project} | controls_context(
        cut,
        model_key=choice.get("model"),
        count=choice.get("count"),
        prompt=request.GET.get("prompt"),
    )
    return render(request, "keyframes/canvas.html#controls", context)


@require_POST
def choose_generation(request, cut_id):
    """The model or count select changed: the cut keeps that choice (across reloads and
    errors) and the controls show what Generate will now run and cost."""
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = GenerationChoiceForm(request.POST)
    errors = {}
    if form.is_valid():
        try:
            keep_generation_choice(cut=cut, **form.cleaned_data)
        except ValidationError as exc:
            errors = exc.message_dict
    else:
        errors = form.errors
    if not request.htmx:
        return redirect(cut)
    choice = form.cleaned_data if form.is_valid() else {}
    context = {"cut": cut, "project": cut.project} | controls_context(
        cut,
        model_key=choice.get("model"),
        count=choice.get("count"),
        prompt=request.POST.get("prompt"),
        errors=errors,
    )
    return render(request, "keyframes/canvas.html#controls", context)


@require_POST
def generate(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = GenerateForm(request.POST)
    text_form = CutTextForm(request.POST if "prompt" in request.POST else None)
    errors, status = start_errors(
        request,
        action="generate",
        start=lambda: start_from_forms(cut=cut, user=request.user, form=form, text_form=text_form),
    )
    if not request.htmx:
        return redirect_with_errors(request, cut, errors)
    context = canvas_response_context(request, cut) | {"swap_also": {"controls"}}
    # A refused Generate keeps the model and count the creator chose, and their cost.
    picked = GenerationChoiceForm(request.POST)
    choice = picked.cleaned_data if picked.is_valid() else {}
    context |= controls_context(
        cut,
        model_key=choice.get("model"),
        count=choice.get("count"),
        errors={k: v for k, v in errors.items() if k != "prompt"},
    )
    if "prompt" in errors:
        context = prompt_error_context(cut, text_form, errors["prompt"]) | context
        context["swap_also"] = {"controls", "cut-text"}
    response = render(request, CANVAS_RESPONSE, context, status=status)
    return offer_credits_if_short(response, errors)


def start_from_forms(*, cut: Cut, user, form: GenerateForm, text_form: CutTextForm) -> None:
    """Checks both forms, then saves the text and starts the job; raises ValidationError."""
    if text_form.is_bound and not text_form.is_valid():
        raise ValidationError(text_form.errors.as_data())
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    save_text_and_generate(
        cut=cut,
        user=user,
        text=text_form.cleaned_data if text_form.is_bound else None,
        model_key=form.cleaned_data["model"],
        count=form.cleaned_data["count"],
        idempotency_key=form.cleaned_data["idempotency_key"],
        expected_model=form.cleaned_data["expected_model"],
    )


def prompt_error_context(cut: Cut, text_form: CutTextForm, prompt_errors: list[str]) -> dict:
    """The cut's text form with the error beside the prompt, swapped in out of band."""
    if not text_form.is_bound:
        text_form = saved_text_form(cut)
    for message in prompt_errors:
        if message not in text_form.errors.get("prompt", []):
            text_form.add_error("prompt", message)
    return text_context(cut) | {"text_form": text_form, "swap_also": {"cut-text"}}


@require_POST
def select_keyframe(request, cut_id, keyframe_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    keyframe = get_object_or_404(Keyframe, pk=keyframe_id, cut=cut)
    keyframe_actions.select_representative(cut=cut, keyframe=keyframe)
    return with_representative_changed(canvas_response(request, cut))


@require_POST
def delete_keyframe(request, cut_id, keyframe_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    keyframe = get_object_or_404(Keyframe, pk=keyframe_id, cut=cut)
    keyframe_actions.delete_keyframe(cut=cut, keyframe=keyframe)
    return with_representative_changed(canvas_response(request, cut))


@require_POST
def upload_keyframe(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = UploadKeyframeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            check_upload_rate(user=request.user)
            keyframe_actions.upload_keyframe(cut=cut, file=form.cleaned_data["file"])
            form = UploadKeyframeForm()
        except ValidationError as exc:
            form.add_error(None, exc)
    if not request.htmx:
        for message in form.errors.get("file", []):
            messages.error(request, message)
    return canvas_response(request, cut, upload_form=form)


@require_POST
def cancel_generation(request, cut_id, job_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    job = get_object_or_404(GenerationJob, pk=job_id, cut=cut)
    cancel_job(job=job)
    return canvas_response(request, cut)


def with_representative_changed(response):
    """The takes panel starts from the representative: it refreshes its form on this event."""
    if response.status_code == 200:
        trigger_client_event(response, "representative-changed")
    return response


def canvas_response(request, cut: Cut, *, upload_form: UploadKeyframeForm | None = None):
    if not request.htmx:
        return redirect(cut)
    context = canvas_response_context(request, cut, upload_form=upload_form)
    return render(request, CANVAS_RESPONSE, context)


def canvas_response_context(
    request, cut: Cut, *, upload_form: UploadKeyframeForm | None = None, poll: bool = False
) -> dict:
    """The canvas and the cut's status chip; after an action, also the cut's entry of the
    cut list (swapped out of band, so its thumbnail follows a new representative at once).
    A poll leaves the list alone: it has its own poller while a cut generates."""
    if not poll:  # a service or a worker may have changed status or representative
        cut = Cut.objects.select_related("project", "representative").get(pk=cut.pk)
    state = canvas_state(cut=cut)
    context = {"cut": cut, "project": cut.project, "poll": poll}
    if not poll:
        context["cut_entry"] = cut_entry_html(cut, progress=progress_from_rows(state[0]))
    return context | canvas_context(request, cut, upload_form=upload_form, state=state)
