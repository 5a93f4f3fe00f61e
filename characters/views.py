from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from characters import services
from characters.forms import (
    AssetForm,
    ImageUploadForm,
    VariationForm,
)
from characters.models import Asset, Variation, VariationImage
from characters.references import (
    cover_image,
    images_primary_first,
    with_variation_images,
)
from cutflow.ratelimit import check_upload_rate
from projects.access import get_owned_project

AUTOCOMPLETE_LIMIT = 8


# --- Asset pages ---------------------------------------------------------------------------


@require_GET
def asset_list(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    assets = list(with_variation_images(project.assets.all()))
    for asset in assets:
        asset.cover = cover_image(asset)
    context = {
        "project": project,
        "characters": [asset for asset in assets if asset.is_character],
        "locations": [asset for asset in assets if not asset.is_character],
    }
    return render(request, "characters/asset_list.html", context)


@require_http_methods(["GET", "POST"])
def asset_create(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    kind = request.GET.get("kind", Asset.Kind.CHARACTER)
    form = AssetForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.create_asset(project=project, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(asset)
    return render(request, "characters/asset_form.html", {"project": project, "form": form})


@require_http_methods(["GET", "POST"])
def asset_detail(request, project_id, asset_id):
    asset = _owned_asset(request, project_id, asset_id)
    form = _asset_form(asset, data=request.POST or None)
    saved = False
    if request.method == "POST" and form.is_valid():
        data = {key: form.cleaned_data[key] for key in ("handle", "name", "description")}
        try:
            services.update_asset(asset=asset, **data)
            saved = True
        except ValidationError as error:
            form.add_error(None, error)
            asset.refresh_from_db()
    if saved and not request.htmx:
        return redirect(asset)
    if request.htmx and request.method == "POST":
        context = {"asset": asset, "project": asset.project, "form": form, "saved": saved}
        return render(request, "characters/asset_detail.html#asset-form", context)
    return _render_asset_page(request, asset, form=form, saved=saved)


@require_POST
def asset_delete(request, project_id, asset_id):
    asset = _owned_asset(request, project_id, asset_id)
    services.delete_asset(asset=asset)
    return redirect("characters:assets", asset.project_id)


@require_POST
def variation_add(request, project_id, asset_id):
    asset = _owned_asset(request, project_id, asset_id)
    form = VariationForm(request.POST)
    if form.is_valid():
        services.add_variation(asset=asset, name=form.cleaned_data["name"])
        form = VariationForm()
    return _render_variations(request, asset, variation_form=form)


@require_POST
def variation_rename(request, project_id, variation_id):
    variation = _owned_variation(request, project_id, variation_id)
    form = VariationForm(request.POST)
    errors = {}
    if form.is_valid():
        services.rename_variation(variation=variation, name=form.cleaned_data["name"])
    else:
        errors[variation.pk] = form.errors["name"]
    return _render_variations(request, variation.asset, errors=errors)


@require_POST
def variation_delete(request, project_id, variation_id):
    variation = _owned_variation(request, project_id, variation_id)
    errors = {}
    try:
        services.delete_variation(variation=variation)
    except ValidationError as error:
        errors[variation.pk] = error.messages
    return _render_variations(request, variation.asset, errors=errors)


@require_POST
def variation_default(request, project_id, variation_id):
    variation = _owned_variation(request, project_id, variation_id)
    services.set_default_variation(asset=variation.asset, variation=variation)
    return _render_variations(request, variation.asset)


@require_POST
def image_upload(request, project_id, variation_id):
    variation = _owned_variation(request, project_id, variation_id)
    form = ImageUploadForm(request.POST, request.FILES)
    errors = {}
    if form.is_valid():
        try:
            check_upload_rate(user=request.user)
            services.add_variation_image(variation=variation, file=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        errors[variation.pk] = [message for field in form.errors.values() for message in field]
    return _render_variations(request, variation.asset, errors=errors)


@require_POST
def image_primary(request, project_id, image_id):
    image = _owned_image(request, project_id, image_id)
    services.set_primary_image(image=image)
    return _render_variations(request, image.variation.asset)


@require_POST
def image_delete(request, project_id, image_id):
    image = _owned_image(request, project_id, image_id)
    asset = image.variation.asset
    services.delete_variation_image(image=image)
    return _render_variations(request, asset)


@require_GET
def handle_suggestions(request, project_id):
    """The project's handles starting with ``q``, for the @ autocomplete."""
    project = get_owned_project(user=request.user, project_id=project_id)
    typed = request.GET.get("q", "").lstrip("@").casefold()
    assets = with_variation_images(project.assets.order_by("handle"))
    suggestions = []
    for asset in assets:
        if asset.handle.casefold().startswith(typed) or asset.name.casefold().startswith(typed):
            cover = cover_image(asset)
            suggestions.append(
                {
                    "handle": asset.handle,
                    "name": asset.name,
                    "kind": asset.get_kind_display(),
                    "thumbnail": cover.thumbnail.url if cover else "",
                }
            )
    return JsonResponse({"handles": suggestions[:AUTOCOMPLETE_LIMIT]})


# --- Loading and rendering -----------------------------------------------------------------


def _owned_asset(request, project_id, asset_id) -> Asset:
    return get_object_or_404(
        Asset.objects.select_related("project"),
        pk=asset_id,
        project_id=project_id,
        project__owner=request.user,
    )


def _owned_variation(request, project_id, variation_id) -> Variation:
    return get_object_or_404(
        Variation.objects.select_related("asset__project"),
        pk=variation_id,
        asset__project_id=project_id,
        asset__project__owner=request.user,
    )


def _owned_image(request, project_id, image_id) -> VariationImage:
    return get_object_or_404(
        VariationImage.objects.select_related("variation__asset__project"),
        pk=image_id,
        variation__asset__project_id=project_id,
        variation__asset__project__owner=request.user,
    )


def _asset_form(asset: Asset, *, data=None) -> AssetForm:
    initial = {field: getattr(asset, field) for field in ("kind", "handle", "name", "description")}
    form = AssetForm(data, initial=initial)
    form.fields["kind"].disabled = True  # a mention does not say its kind; keep it fixed
    return form


def _variations_context(asset: Asset, *, errors=None, variation_form=None) -> dict:
    variations = list(asset.variations.prefetch_related(images_primary_first()))
    asset.refresh_from_db(fields=["default_variation"])
    for variation in variations:
        variation.errors = (errors or {}).get(variation.pk, [])
        variation.is_default = variation.pk == asset.default_variation_id
    return {
        "asset": asset,
        "project": asset.project,
        "variations": variations,
        "variation_form": variation_form or VariationForm(),
        "upload_form": ImageUploadForm(),
    }


def _render_asset_page(request, asset: Asset, *, form, saved=False, **variation_state):
    context = _variations_context(asset, **variation_state)
    context.update({"form": form, "saved": saved})
    return render(request, "characters/asset_detail.html", context)


def _render_variations(request, asset: Asset, **variation_state):
    if not request.htmx:
        if not _has_errors(variation_state):
            return redirect(asset)
        return _render_asset_page(request, asset, form=_asset_form(asset), **variation_state)
    context = _variations_context(asset, **variation_state)
    return render(request, "characters/asset_detail.html#variations", context)


def _has_errors(variation_state) -> bool:
    """Whether a variation or the new-variation form has something to say."""
    form = variation_state.get("variation_form")
    form_refused = form is not None and form.is_bound and bool(form.errors)
    return bool(variation_state.get("errors")) or form_refused
