"""The cut editor's Takes panel: the takes and their player, start one, use one, cancel one."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from keyframes.forms import TakeForm
from keyframes.job_faults import cancel_job
from keyframes.models import Take
from keyframes.take_panel import take_choice, takes_panel_context
from keyframes.takes import choose_representative_take, start_take
from keyframes.views.starting import offer_credits_if_short, redirect_with_errors, start_errors
from projects.access import get_owned_cut

PANEL = "keyframes/takes_panel.html"


@require_GET
def takes_panel(request, cut_id):
    """The whole panel, fetched by the cut editor once the page has loaded."""
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    # The heading's count is in this response; the list alone brings its own (see the panel).
    return render(request, PANEL, takes_panel_context(cut) | {"whole_panel": True})


@require_GET
def take_list(request, cut_id):
    """Polled every few seconds while a take is on its way."""
    cut = get_owned_cut(user=request.user, cut_id=cut_id, with_representative=False)
    return render(request, f"{PANEL}#take-list", takes_panel_context(cut))


@require_GET
def take_form(request, cut_id):
    """The form again for another model: its lengths and cost, the typed prompt kept."""
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    choice = take_choice(
        cut,
        model_key=request.GET.get("model", ""),
        motion_prompt=request.GET.get("motion_prompt"),
    )
    return render(request, f"{PANEL}#take-form", takes_panel_context(cut, choice=choice))


@require_POST
def start(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = TakeForm(request.POST)
    errors, status = start_errors(
        request,
        action="take",
        start=lambda: start_from_form(cut=cut, user=request.user, form=form),
    )
    if not request.htmx:
        return redirect_with_errors(request, cut, errors)
    # Templates cannot read "__all__": errors of no field are shown as the form's.
    errors = {("form" if key == NON_FIELD_ERRORS else key): value for key, value in errors.items()}
    # A refused take keeps what the creator chose and typed; a started one keeps it too,
    # ready for another try with a fresh key.
    choice = take_choice(
        cut,
        model_key=request.POST.get("model", ""),
        motion_prompt=request.POST.get("motion_prompt", ""),
        typed_seconds=request.POST.get("duration", ""),
    )
    context = takes_panel_context(cut, choice=choice, errors=errors) | {"answer": True}
    response = render(request, f"{PANEL}#take-form", context, status=status)
    return offer_credits_if_short(response, errors)


def start_from_form(*, cut, user, form: TakeForm) -> Take:
    """Checks the form, then starts the take; raises ValidationError."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return start_take(
        cut=cut,
        user=user,
        model_key=form.cleaned_data["model"],
        motion_prompt=form.cleaned_data["motion_prompt"],
        seconds=form.cleaned_data["duration"],
        idempotency_key=form.cleaned_data["idempotency_key"],
    )


@require_POST
def use(request, cut_id, take_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    take = get_object_or_404(Take, pk=take_id, cut=cut)
    errors = {}
    try:
        choose_representative_take(cut=cut, take=take)
    except ValidationError as exc:
        errors = exc.message_dict
    if not request.htmx:
        return redirect(cut)
    return render(request, f"{PANEL}#take-list", takes_panel_context(cut, errors=errors))


@require_POST
def cancel(request, cut_id, take_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    take = get_object_or_404(Take.objects.select_related("job"), pk=take_id, cut=cut)
    cancel_job(job=take.job)
    if not request.htmx:
        return redirect(cut)
    context = takes_panel_context(cut) | {"refresh_badge": True}  # the refund shows at once
    return render(request, f"{PANEL}#take-list", context)
