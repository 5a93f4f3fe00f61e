from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from characters import services
from characters.models import Asset, Variation
from characters.references import ReferenceList, resolve_references
from characters.script_mentions import mentions_missing_from_prompt
from cutflow.ratelimit import check_upload_rate
from keyframes import references as additional
from keyframes.forms import AdditionalReferenceForm, OverrideForm
from keyframes.models import AdditionalReference, Keyframe
from keyframes.reference_panel import panel_model, reference_panel_context
from projects.access import get_owned_cut


@require_GET
def reference_panel(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    return _render_panel(request, cut)


@require_POST
def reference_variation(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _render_panel(request, cut, error="Choose a variation from the list.")
    asset = get_object_or_404(Asset, pk=form.cleaned_data["asset"], project=cut.project)
    variation_id = form.cleaned_data["variation"]
    if variation_id is None:
        services.clear_variation_override(cut=cut, asset=asset)
    else:
        variation = get_object_or_404(Variation, pk=variation_id, asset=asset)
        services.set_variation_override(cut=cut, asset=asset, variation=variation)
    return _render_panel(request, cut)


@require_POST
def additional_add(request, cut_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    form = AdditionalReferenceForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        keyframe = None
        if form.cleaned_data["keyframe"]:
            keyframe = get_object_or_404(
                Keyframe, pk=form.cleaned_data["keyframe"], cut__project=cut.project
            )
        try:
            if form.cleaned_data["file"]:
                check_upload_rate(user=request.user)
            additional.add_additional_reference(
                cut=cut, file=form.cleaned_data["file"] or None, keyframe=keyframe
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(message for field in form.errors.values() for message in field)
    return _render_panel(request, cut, error=error)


@require_POST
def additional_remove(request, cut_id, reference_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    reference = get_object_or_404(AdditionalReference, pk=reference_id, cut=cut)
    additional.remove_additional_reference(reference=reference)
    return _render_panel(request, cut)


@require_POST
def additional_move(request, cut_id, reference_id):
    cut = get_owned_cut(user=request.user, cut_id=cut_id)
    reference = get_object_or_404(AdditionalReference, pk=reference_id, cut=cut)
    offset = -1 if request.POST.get("direction") == "left" else 1
    additional.move_additional_reference(reference=reference, offset=offset)
    return _render_panel(request, cut)


def _render_panel(request, cut, *, error: str = ""):
    if not request.htmx and request.method == "POST":
        if error:
            messages.error(request, error)
        return redirect(cut)
    params = request.POST if request.method == "POST" else request.GET
    prompt = params.get("prompt")
    if prompt is None:
        prompt = cut.prompt
    # With no prompt yet, preview what the script's mentions will attach.
    from_script = not prompt.strip()
    if from_script:
        prompt = cut.script
    references = resolve_references(cut=cut, prompt=prompt)
    context = reference_panel_context(
        cut=cut,
        prompt=prompt,
        references=references,
        **_model_limits(cut, params.get("model", ""), references),
    )
    context["panel_error"] = error
    context["from_script"] = from_script and bool(prompt.strip())
    if not from_script:
        script = params.get("script", cut.script)
        context["missing_mentions"] = mentions_missing_from_prompt(
            cut=cut, script=script, prompt=prompt
        )
    return render(request, "keyframes/reference_panel.html", context)


def _model_limits(cut, model_key: str, references: ReferenceList) -> dict:
    """The reference limit of the model the generate form would use, for the panel."""
    spec = panel_model(cut=cut, model_key=model_key, has_characters=references.has_characters)
    if spec is None:
        return {}
    return {"model_max_references": spec.max_references, "model_label": spec.label}
