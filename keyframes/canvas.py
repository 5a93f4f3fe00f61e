"""The keyframe canvas of a cut: its generation sets, the representative, uploads, and what
the Generate button will do and cost."""

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import IO

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch

from characters.references import ReferenceEntry, resolve_references
from credits.estimates import estimate
from cutflow.files import delete_files_after_commit, stored_image
from cutflow.images import ingest_image
from keyframes.generation import plan_generation, start_generation
from keyframes.model_choice import ModelOption, automatic_choice, model_options
from keyframes.models import Candidate, GenerationJob, Keyframe
from keyframes.providers.registry import MODELS, ModelSpec
from projects.models import Cut
from projects.services import update_cut_text

TIER_ORDER = ("fast", "standard", "premium")


# --- Reading the canvas ----------------------------------------------------------------------


@dataclass(frozen=True)
class CanvasSlot:
    """One place in a set: a candidate still on its way, one that failed, or an image."""

    state: str  # a Candidate.Status value, or "uploaded"
    keyframe: Keyframe | None = None
    message: str = ""


@dataclass(frozen=True)
class CanvasSet:
    """The images of one generation job, or the creator's uploads."""

    created_at: datetime
    slots: list[CanvasSlot]
    job: GenerationJob | None = None
    model_label: str = "Uploaded"
    prompt: str = ""

    @property
    def is_running(self) -> bool:
        return self.job is not None and not self.job.is_final

    @property
    def refunded_slots(self) -> int:
        return sum(1 for slot in self.slots if slot.state == Candidate.Status.FAILED)


@dataclass(frozen=True)
class Canvas:
    sets: list[CanvasSet] = field(default_factory=list)
    state: tuple = ()  # what the sets were built from, as canvas_state() reads it

    @property
    def newest(self) -> CanvasSet | None:
        return self.sets[0] if self.sets else None

    @property
    def earlier(self) -> list[CanvasSet]:
        return self.sets[1:]

    @property
    def is_busy(self) -> bool:
        """While true the canvas polls for the images still on their way."""
        return any(each.is_running for each in self.sets)

    @property
    def keyframe_count(self) -> int:
        return sum(1 for each in self.sets for slot in each.slots if slot.keyframe)


def canvas_sets(*, cut: Cut) -> Canvas:
    """Every set of the cut, newest first, in three queries however many images it holds."""
    jobs = cut.jobs.order_by("-created_at", "-id").prefetch_related(
        Prefetch("candidates", queryset=Candidate.objects.order_by("slot"))
    )
    keyframes = list(cut.keyframes.order_by("created_at", "id"))
    by_slot = {(kf.job_id, kf.slot): kf for kf in keyframes if kf.job_id is not None}
    sets = [job_set(job, by_slot) for job in jobs]
    uploads = [kf for kf in keyframes if kf.job_id is None]
    if uploads:
        sets.append(
            CanvasSet(
                created_at=uploads[-1].created_at,
                slots=[CanvasSlot(state="uploaded", keyframe=kf) for kf in reversed(uploads)],
            )
        )
    sets = [each for each in sets if each.slots]
    sets.sort(key=lambda each: each.created_at, reverse=True)
    candidate_rows = [
        (job.pk, job.status, candidate.slot, candidate.status)
        for job in jobs
        for candidate in job.candidates.all()
    ]
    keyframe_ids = [kf.pk for kf in keyframes]
    return Canvas(sets=sets, state=state_of(candidate_rows, keyframe_ids))


# Read on every canvas poll (each open canvas asks once a second while images are on their
# way), so it is one plain statement: building it with the ORM cost several times more than
# running it. The first branch lists candidates, the second the keyframes.
CANVAS_STATE_SQL = f"""
    SELECT job.id, job.status, candidate.slot, candidate.status
      FROM {Candidate._meta.db_table} AS candidate
      JOIN {GenerationJob._meta.db_table} AS job ON job.id = candidate.job_id
     WHERE job.cut_id = %s
    UNION ALL
    SELECT keyframe.id, NULL, NULL, NULL
      FROM {Keyframe._meta.db_table} AS keyframe
     WHERE keyframe.cut_id = %s
"""


def canvas_state(*, cut: Cut) -> tuple:
    """What the canvas shows of the cut's jobs and keyframes, as plain values: every
    candidate's job, job status, slot and status, and the ids of the keyframes (which never
    change once stored). Two equal states give the same canvas, so the canvas HTML is
    cached by it (keyframes.editor)."""
    with connection.cursor() as cursor:
        cursor.execute(CANVAS_STATE_SQL, [cut.pk, cut.pk])
        rows = cursor.fetchall()
    candidate_rows = [row for row in rows if row[1] is not None]
    keyframe_ids = [row[0] for row in rows if row[1] is None]
    return state_of(candidate_rows, keyframe_ids)


def state_of(candidate_rows, keyframe_ids) -> tuple:
    """Candidates by (job, slot), keyframes by id: one order, however they were read."""
    return (
        tuple(sorted(map(tuple, candidate_rows), key=itemgetter(0, 2))),
        tuple(sorted(keyframe_ids)),
    )


def job_set(job: GenerationJob, by_slot: dict) -> CanvasSet:
    slots = []
    for candidate in job.candidates.all():
        keyframe = by_slot.get((job.pk, candidate.slot))
        if candidate.status == Candidate.Status.SUCCEEDED and keyframe is None:
            continue  # the creator deleted this image
        slots.append(
            CanvasSlot(state=candidate.status, keyframe=keyframe, message=candidate.error_message)
        )
    spec = MODELS.get(job.model_key)
    return CanvasSet(
        created_at=job.created_at,
        slots=slots,
        job=job,
        model_label=spec.label if spec else job.model_key,
        prompt=job.prompt,
    )


def has_jobs_on_the_way(cut: Cut) -> bool:
    """A cut with a job on its way stays generating; the status settles when the last job
    finishes, whatever happens to its representative meanwhile."""
    return cut.jobs.filter(status__in=GenerationJob.ACTIVE_STATUSES).exists()


# --- Changing the canvas ---------------------------------------------------------------------


def select_representative(*, cut: Cut, keyframe: Keyframe) -> Cut:
    """Makes the keyframe the cut's representative; the previous one stops being it."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        locked.set_representative(keyframe, generating=has_jobs_on_the_way(locked))
        locked.save(update_fields=["representative", "status", "updated_at"])
    cut.representative, cut.status = keyframe, locked.status
    return cut


def delete_keyframe(*, cut: Cut, keyframe: Keyframe) -> None:
    """Deletes the keyframe and, once the deletion commits, its files. Deleting the
    representative leaves the cut without one."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        if locked.representative_id == keyframe.pk:
            locked.unset_representative(generating=has_jobs_on_the_way(locked))
            locked.save(update_fields=["representative", "status", "updated_at"])
            cut.representative, cut.status = None, locked.status
        delete_files_after_commit([keyframe.image.name, keyframe.thumbnail.name])
        keyframe.delete()


def upload_keyframe(*, cut: Cut, file: IO[bytes]) -> Keyframe:
    """Registers the creator's own image as a keyframe of the cut; uploads cost nothing."""
    try:
        ingested = ingest_image(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    keyframe = Keyframe(cut=cut, source=Keyframe.Source.UPLOADED, byte_size=len(ingested.content))
    with stored_image(keyframe, ingested), transaction.atomic():
        keyframe.save()
    return keyframe


def remember_generation_choice(*, cut: Cut, model_key: str, count: int) -> None:
    """The next visit (and Regenerate) starts from the model and count used last."""
    Cut.objects.filter(pk=cut.pk).update(model=model_key, candidate_count=count)
    cut.model, cut.candidate_count = model_key, count


# --- The Generate controls -------------------------------------------------------------------


@dataclass(frozen=True)
class ModelGroup:
    tier: str
    options: list[ModelOption]


@dataclass(frozen=True)
class GenerationControls:
    groups: list[ModelGroup]
    default_label: str  # what the empty choice means: automatic or the project's default
    model_key: str
    count: int
    spec: ModelSpec  # the model that will run
    cost_text: str
    dropped: list[ReferenceEntry]
    negative_ignored: bool
    problems: dict[str, list[str]]  # why pressing Generate would fail now, by field
    regenerate: bool


def generation_controls(
    *,
    cut: Cut,
    model_key: str,
    count: int,
    prompt: str | None = None,
    has_jobs: bool | None = None,
) -> GenerationControls:
    """What the Generate button will do with this model and count: the model that runs,
    the cost, the references it cannot take, and anything that stops it. ``has_jobs``
    (whether the cut was generated before) is looked up unless the caller knows it."""
    prompt = cut.prompt if prompt is None else prompt
    problems: dict[str, list[str]] = {}
    try:
        plan = plan_generation(cut=cut, prompt=prompt, count=count, model_key=model_key)
    except ValidationError as error:
        plan = None
        problems = error.message_dict
    references = plan.references if plan else resolve_references(cut=cut, prompt=prompt)
    default_label, default_spec = default_model(cut, has_characters=references.has_characters)
    spec = plan.spec if plan else MODELS.get(model_key, default_spec)
    return GenerationControls(
        groups=grouped_options(cut),
        default_label=default_label,
        model_key=model_key,
        count=count,
        spec=spec,
        cost_text=estimate(credits_per_image=spec.credits_per_image, count=count).text,
        dropped=plan.dropped if plan else [],
        negative_ignored=bool(cut.negative_prompt.strip()) and not spec.supports_negative_prompt,
        problems=problems,
        regenerate=cut.jobs.exists() if has_jobs is None else has_jobs,
    )


def default_model(cut: Cut, *, has_characters: bool) -> tuple[str, ModelSpec]:
    """What the model list's first choice stands for when the cut names no model."""
    project = cut.project
    spec = MODELS.get(project.default_model)
    if spec is not None:
        return f"Project default ({spec.label})", spec
    choice = automatic_choice(project, has_characters=has_characters)
    return f"Automatic ({choice.spec.label})", choice.spec


def grouped_options(cut: Cut) -> list[ModelGroup]:
    options = model_options(cut.project)
    groups = [
        ModelGroup(tier, [option for option in options if option.spec.tier == tier])
        for tier in TIER_ORDER
    ]
    return [group for group in groups if group.options]


def save_text_and_generate(
    *,
    cut: Cut,
    user,
    text: dict | None,
    model_key: str,
    count: int,
    idempotency_key: str,
) -> GenerationJob:
    """Saves the script and prompts as they are on screen, then generates from the saved
    prompt, so the job always matches what the creator sees."""
    if text is not None:
        update_cut_text(cut=cut, **text)
    job = start_generation(
        cut=cut,
        user=user,
        prompt=cut.prompt,
        negative_prompt=cut.negative_prompt,
        count=count,
        model_key=model_key,
        idempotency_key=idempotency_key,
    )
    remember_generation_choice(cut=cut, model_key=model_key, count=count)
    return job
