"""Script breakdown on a project: propose (writes nothing), then import a reviewed breakdown
in one transaction, once per review."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from characters.services import check_handle, create_asset
from cutflow.files import delete_files_after_commit
from keyframes.breakdown.gemini import BreakdownWriterError, write_gemini_breakdown
from keyframes.breakdown.linking import KnownAsset
from keyframes.breakdown.offline import write_offline_breakdown
from keyframes.breakdown.proposal import Breakdown
from keyframes.breakdown.reading import clean_script, read_beats
from keyframes.breakdown.shaping import settle_breakdown
from keyframes.models import ScriptImport
from projects.models import Cut, Project
from projects.services import files_of_cuts

logger = logging.getLogger(__name__)


def known_assets(project: Project) -> list[KnownAsset]:
    return [
        KnownAsset(handle=handle, name=name, kind=kind)
        for handle, name, kind in project.assets.order_by("pk").values_list(
            "handle", "name", "kind"
        )
    ]


def propose_breakdown(*, project: Project, text: str, filename: str = "") -> Breakdown:
    """The proposed cuts and new assets of a script; nothing is written.

    Gemini writes it when a key is configured; the offline rules do otherwise, or when Gemini
    fails (the breakdown's notice says so).
    """
    script = clean_script(text)
    existing = known_assets(project)
    notice = ""
    if settings.GEMINI_API_KEY:
        try:
            breakdown = write_gemini_breakdown(script, existing=existing)
            return _settled(breakdown, existing=existing)
        except BreakdownWriterError as exc:
            logger.warning("Breakdown fell back to offline: %s %s", exc.user_message, exc.detail)
            notice = f"{exc.user_message} The offline rules broke the script down instead."
    speakers = [term for asset in existing for term in (asset.handle, asset.name)]
    beats = read_beats(script, filename=filename, speakers=speakers)
    breakdown = write_offline_breakdown(beats, existing=existing)
    return _settled(breakdown.model_copy(update={"notice": notice}), existing=existing)


def _settled(breakdown: Breakdown, *, existing: list[KnownAsset]) -> Breakdown:
    check_cut_count(len(breakdown.cuts))  # refuse an oversized script before linking it
    breakdown = settle_breakdown(breakdown, existing=existing)
    check_cut_count(len(breakdown.cuts))
    return breakdown


def check_cut_count(count: int) -> None:
    limit = settings.BREAKDOWN_MAX_CUTS
    if count > limit:
        raise ValidationError(
            {
                "script": f"This script breaks down into {count:,} cuts; one import makes at "
                f"most {limit:,}. Import it in parts (for example one scene at a time)."
            }
        )
    if count == 0:
        raise ValidationError({"script": "There is no cut to import: the script has no beats."})


def import_breakdown(
    *, project: Project, breakdown: Breakdown, mode: str, import_key: str
) -> tuple[ScriptImport, bool]:
    """Creates the breakdown's assets and cuts; ``(record, False)`` when this key was already
    imported, in which case nothing is created."""
    earlier = ScriptImport.objects.filter(project=project, key=import_key).first()
    if earlier is not None:
        return earlier, False
    check_cut_count(len(breakdown.cuts))
    _check_cut_scripts(breakdown)
    _check_new_handles(project, breakdown)
    with transaction.atomic():
        record, created = ScriptImport.objects.get_or_create(
            project=project, key=import_key, defaults={"mode": mode, "writer": breakdown.writer}
        )
        if not created:
            return record, False
        # Lock the project row so a concurrent cut add never takes the same position.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        _clear_for(project, mode=mode)
        for proposed in breakdown.new_assets:
            create_asset(
                project=project,
                kind=proposed.kind,
                handle=proposed.handle,
                name=proposed.name,
                description=proposed.description,
            )
        last = project.cuts.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        Cut.objects.bulk_create(
            Cut(project=project, position=start + index, script=cut.script, shot_size=cut.shot_size)
            for index, cut in enumerate(breakdown.cuts)
        )
        record.cuts_created = len(breakdown.cuts)
        record.assets_created = len(breakdown.new_assets)
        record.save(update_fields=["cuts_created", "assets_created"])
    return record, True


def _clear_for(project: Project, *, mode: str) -> None:
    """Replace removes every cut; append removes only blank cuts, and only when every cut is
    blank (a new project's empty first cut), so no text a creator typed is lost by appending."""
    cuts = project.cuts.all()
    if mode != ScriptImport.Mode.REPLACE:
        blank = cuts.filter(
            script="", prompt="", keyframes__isnull=True, additional_references__isnull=True
        ).distinct()
        if blank.count() != cuts.count():
            return
    delete_files_after_commit(files_of_cuts(cuts, what="this storyboard"))
    cuts.delete()


def _check_cut_scripts(breakdown: Breakdown) -> None:
    limit = settings.SCRIPT_MAX_CHARS
    for number, cut in enumerate(breakdown.cuts, start=1):
        if len(cut.script) > limit:
            raise ValidationError(
                {
                    "cuts": f"Cut {number} is {len(cut.script):,} characters long; a cut's script "
                    f"takes at most {limit:,}. Split it into more cuts."
                }
            )


def _check_new_handles(project: Project, breakdown: Breakdown) -> None:
    seen: set[str] = set()
    for proposed in breakdown.new_assets:
        if proposed.handle.casefold() in seen:
            raise ValidationError(
                {"assets": f"@{proposed.handle} is proposed twice. Give each one its own handle."}
            )
        seen.add(proposed.handle.casefold())
        try:
            check_handle(project=project, handle=proposed.handle)
        except ValidationError as error:
            message = " ".join(error.message_dict.get("handle", error.messages))
            raise ValidationError({"assets": f"@{proposed.handle}: {message}"}) from error
        if not proposed.name.strip():
            raise ValidationError({"assets": f"Give @{proposed.handle} a name."})
