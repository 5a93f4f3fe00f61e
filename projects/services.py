"""Projects and cuts: creating, ordering, editing and deleting them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cutflow.files import delete_files_after_commit
from projects.export_files import export_storage
from projects.export_jobs import stored_export_files
from projects.models import Cut, Project, PromptRevision
from projects.signals import answers, cuts_deleting, project_deleting

PROMPT_HISTORY_LENGTH = 10
REVISION_GONE_MESSAGE = "That earlier prompt is no longer in the history."


class CutGone(ValidationError):
    """The cut was deleted while a request about it was on its way."""

    def __init__(self):
        super().__init__("This cut was deleted meanwhile; nothing was saved or charged.")


def lock_cut(*, cut: Cut) -> None:
    """Takes the cut's row lock for the rest of the transaction, as deleting it does."""
    if Cut.objects.select_for_update().filter(pk=cut.pk).only("pk").first() is None:
        raise CutGone


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
        cut.settle_status()
        cut.updated_at = timezone.now()
        fields = ["script", "prompt", "negative_prompt", "status", "updated_at"]
        # An UPDATE that finds no row: the cut was deleted since the request loaded it.
        if not Cut.objects.filter(pk=cut.pk).update(**{f: getattr(cut, f) for f in fields}):
            raise CutGone
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
    cut.settle_status()
    cut.save(update_fields=["prompt", "status", "updated_at"])
    return cut


def delete_cut(*, cut: Cut) -> None:
    with transaction.atomic():
        # The project first, as adding and deleting the project do: two deletes renumbering
        # each other's cuts would otherwise deadlock. Then the cut's own lock, which
        # generating takes before it charges (see keyframes/cut_removal.py).
        Project.objects.select_for_update().filter(pk=cut.project_id).first()
        lock_cut(cut=cut)
        delete_files_after_commit(files_of_cuts(Cut.objects.filter(pk=cut.pk), what="this cut"))
        project = cut.project
        cut.delete()
        remaining = list(project.cuts.values_list("pk", flat=True))
        reorder_cuts(project=project, ordered_ids=remaining)


def delete_project(*, project: Project) -> None:
    with transaction.atomic():
        # The project's lock holds off new cuts; the cuts' locks, taken in one order, hold
        # off new jobs (see keyframes/cut_removal.py).
        Project.objects.select_for_update().filter(pk=project.pk).first()
        list(project.cuts.select_for_update().order_by("pk").values_list("pk", flat=True))
        names = files_of_cuts(project.cuts.all(), what="this project")
        names += sum(answers(project_deleting, project=project), [])
        names += [project.style_image.name, project.style_thumbnail.name]
        delete_files_after_commit(names)
        delete_files_after_commit(stored_export_files(project), storage=export_storage())
        project.delete()


def files_of_cuts(cuts, *, what: str) -> list[str]:
    """The stored files the apps above keep for ``cuts``; they refuse while still at work."""
    return sum(answers(cuts_deleting, cuts=cuts, what=what), [])
