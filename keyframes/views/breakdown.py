"""Import script: paste or upload a script, review the proposed cuts and assets, confirm."""

from uuid import uuid4

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from cutflow.ratelimit import check_rate_limit
from keyframes.breakdown.forms import (
    AssetRowFormSet,
    CutRowFormSet,
    ReviewForm,
    ScriptImportForm,
    review_forms,
)
from keyframes.breakdown.review import reviewed_breakdown
from keyframes.breakdown.services import import_breakdown, propose_breakdown
from projects.access import get_owned_project


@require_http_methods(["GET", "POST"])
def script_import(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    form = ScriptImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Each proposal may be a long Gemini call: keep one user from flooding it.
            check_rate_limit(
                user=request.user, action="breakdown", rate=settings.BREAKDOWN_RATE_LIMIT
            )
            breakdown = propose_breakdown(
                project=project,
                text=form.cleaned_data["text"],
                filename=form.cleaned_data["filename"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            review, cuts, assets = review_forms(
                breakdown, import_key=uuid4().hex, mode=form.cleaned_data["mode"]
            )
            return render_review(request, project, review, cuts, assets, notice=breakdown.notice)
    return render(request, "keyframes/script_import.html", {"project": project, "form": form})


@require_POST
def script_import_confirm(request, project_id):
    project = get_owned_project(user=request.user, project_id=project_id)
    review = ReviewForm(request.POST)
    cuts = CutRowFormSet(request.POST, prefix="cuts")
    assets = AssetRowFormSet(request.POST, prefix="assets")
    if review.is_valid() and cuts.is_valid() and assets.is_valid():
        breakdown = reviewed_breakdown(
            cut_rows=[form.row() for form in cuts],
            asset_rows=[form.row() for form in assets],
            writer=review.cleaned_data["writer"],
        )
        try:
            record, created = import_breakdown(
                project=project,
                breakdown=breakdown,
                mode=review.cleaned_data["mode"],
                import_key=review.cleaned_data["import_key"],
            )
        except ValidationError as exc:
            review.add_error(None, exc.messages)
        else:
            if created:
                messages.success(request, imported_message(record))
            else:
                messages.info(request, "This script was already imported; nothing new was added.")
            return redirect(project)
    return render_review(request, project, review, cuts, assets)


def imported_message(record) -> str:
    message = f"Imported {record.cuts_created} cut{pluralize(record.cuts_created)}"
    if record.assets_created:
        message += f" and {record.assets_created} new character{pluralize(record.assets_created)}"
        message += " or location" if record.assets_created == 1 else " or locations"
    return message + "."


def render_review(request, project, review, cuts, assets, *, notice=""):
    context = {
        "project": project,
        "review": review,
        "cuts": cuts,
        "assets": assets,
        "notice": notice,
    }
    return render(request, "keyframes/script_review.html", context)
