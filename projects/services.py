"""Projects and cuts: creating, ordering, editing and deleting them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from cutflow.files import delete_files_after_commit, image_file_names
from projects.models import Cut, Project, PromptRevision

PROMPT_HISTORY_LENGTH = 10
REVISION_GONE_MESSAGE = "That earlier prompt is no longer in the history."


def create_project(*, owner, title: str, aspect_ratio: str, quality_preset: str) -> Project:
    with transaction.atomic():
        project = Project.objects.create(
            owner=owner, title=title, aspect_ratio=aspect_ratio, quality_preset=quality_preset
        )
        add_cut(project=project)
    return project


def add_cut(*, project: Project, script: str = "") -> Cut:
    with transaction.atomic():
        # Lock the project row so two concurrent adds never take the same position.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        last = project.cuts.aggregate(last=Max("position"))["last"]
        return Cut.objects.create(
            project=project, position=0 if last is None else last + 1, script=script
        )


def reorder_cuts(*, project: Project, ordered_ids: list[int]) -> None:
    """Stores a new order; the ids must be exactly the project's cuts."""
    current = set(project.cuts.values_list("pk", flat=True))
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != current:
        raise ValidationError("The new order must list every cut of this storyboard once.")
    with transaction.atomic():
        cuts = {cut.pk: cut for cut in project.cuts.all()}
        for position, cut_id in enumerate(ordered_ids):
            cuts[cut_id].position = position
        Cut.objects.bulk_update(cuts.values(), ["position"])


def move_cut(*, cut: Cut, offset: int) -> None:
    """Moves a cut up (offset -1) or down (+1) the storyboard."""
    ids = list(cut.project.cuts.values_list("pk", flat=True))
    index = ids.index(cut.pk)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    reorder_cuts(project=cut.project, ordered_ids=ids)


def update_cut_text(*, cut: Cut, script: str, prompt: str, negative_prompt: str) -> Cut:
    """Saves what the creator typed; a changed prompt is kept in the cut's prompt history."""
    if len(script) > settings.SCRIPT_MAX_CHARS:
        raise ValidationError(
            {"script": f"Keep the script under {settings.SCRIPT_MAX_CHARS} characters."}
        )
    if len(prompt) > settings.PROMPT_MAX_CHARS:
        raise ValidationError(
            {"prompt": f"Keep the prompt under {settings.PROMPT_MAX_CHARS} characters."}
        )
    with transaction.atomic():
        if prompt.strip() and prompt != cut.prompt:
            record_prompt(cut=cut, prompt=prompt, source=PromptRevision.Source.MANUAL)
        cut.script = script
        cut.prompt = prompt
        cut.negative_prompt = negative_prompt
        if cut.status != Cut.Status.GENERATING:
            cut.status = cut.resting_status()
        cut.save(update_fields=["script", "prompt", "negative_prompt", "status", "updated_at"])
    return cut


def record_prompt(*, cut: Cut, prompt: str, source: str, writer: str = "") -> PromptRevision:
    revision = PromptRevision.objects.create(cut=cut, prompt=prompt, source=source, writer=writer)
    stale = cut.prompt_revisions.values_list("pk", flat=True)[PROMPT_HISTORY_LENGTH:]
    PromptRevision.objects.filter(pk__in=list(stale)).delete()
    return revision


def restore_prompt(*, cut: Cut, revision_id: int) -> Cut:
    revision = cut.prompt_revisions.filter(pk=revision_id).first()
    if revision is None:
        raise ValidationError({"prompt": REVISION_GONE_MESSAGE})
    cut.prompt = revision.prompt
    if cut.status != Cut.Status.GENERATING:
        cut.status = cut.resting_status()
    cut.save(update_fields=["prompt", "status", "updated_at"])
    return cut


def delete_cut(*, cut: Cut) -> None:
    with transaction.atomic():
        refuse_while_generating(Cut.objects.filter(pk=cut.pk), what="this cut")
        delete_files_after_commit(stored_files_of_cuts(Cut.objects.filter(pk=cut.pk)))
        project = cut.project
        cut.delete()
        remaining = list(project.cuts.values_list("pk", flat=True))
        reorder_cuts(project=project, ordered_ids=remaining)


def delete_project(*, project: Project) -> None:
    from characters.services import stored_files_of_assets
    from projects.export_jobs import stored_export_files

    with transaction.atomic():
        refuse_while_generating(project.cuts.all(), what="this project")
        names = stored_files_of_cuts(project.cuts.all())
        names += stored_files_of_assets(project.assets.all())
        names += [project.style_image.name, project.style_thumbnail.name]
        names += stored_export_files(project)
        delete_files_after_commit(names)
        project.delete()


def refuse_while_generating(cuts, *, what: str) -> None:
    """A job still running owns credits that only its end can refund: deleting its cut now
    would lose them, so deleting waits until the job ends or is cancelled."""
    from keyframes.models import GenerationJob

    active = GenerationJob.objects.select_for_update().filter(
        cut__in=cuts, status__in=GenerationJob.ACTIVE_STATUSES
    )
    if active.exists():
        raise ValidationError(
            f"Images are still being generated for {what}. Wait for them to finish, or "
            "cancel the generation, then delete."
        )


def stored_files_of_cuts(cuts) -> list[str]:
    from keyframes.models import AdditionalReference, Keyframe

    names = image_file_names(Keyframe.objects.filter(cut__in=cuts))
    return names + image_file_names(AdditionalReference.objects.filter(cut__in=cuts))
