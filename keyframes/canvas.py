"""The keyframe canvas of a cut as the page reads it: its generation sets, their images and
the representative, and the one-statement state a cached canvas is keyed by."""

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from keyframes.face_scores import character_references, scoring_deadline
from keyframes.models import Candidate, FaceScore, GenerationJob, Keyframe
from keyframes.providers.registry import MODELS
from projects.models import Cut


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
    def has_face_scores(self) -> bool:
        return any(
            slot.keyframe.face_match_score is not None for slot in self.slots if slot.keyframe
        )

    @property
    def refunded_slots(self) -> int:
        return sum(1 for slot in self.slots if slot.state == Candidate.Status.FAILED)


@dataclass(frozen=True)
class Canvas:
    sets: list[CanvasSet] = field(default_factory=list)
    state: tuple = ()  # what the sets were built from, as canvas_state() reads it
    scores_pending: bool = False  # a fresh keyframe's face scores are still on their way

    @property
    def newest(self) -> CanvasSet | None:
        return self.sets[0] if self.sets else None

    @property
    def earlier(self) -> list[CanvasSet]:
        return self.sets[1:]

    @property
    def is_busy(self) -> bool:
        """While true the canvas polls for the images still on their way."""
        return self.scores_pending or any(each.is_running for each in self.sets)

    @property
    def keyframe_count(self) -> int:
        return sum(1 for each in self.sets for slot in each.slots if slot.keyframe)


def canvas_sets(*, cut: Cut) -> Canvas:
    """Every set of the cut, newest first, in three queries however many images it holds."""
    jobs = (
        image_jobs(cut)
        .order_by("-created_at", "-id")
        .prefetch_related(Prefetch("candidates", queryset=Candidate.objects.order_by("slot")))
    )
    keyframes = list(
        cut.keyframes.order_by("created_at", "id")
        .select_related("job")
        .prefetch_related("face_scores")
    )
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
    scores_since = timezone.now() - scoring_deadline()
    keyframe_rows = [
        (kf.pk, len(kf.face_scores.all()), freshness(kf.created_at, scores_since))
        for kf in keyframes
    ]
    return Canvas(
        sets=sets,
        state=state_of(candidate_rows, keyframe_rows),
        scores_pending=any(awaiting_face_scores(kf, since=scores_since) for kf in keyframes),
    )


# Read on every canvas poll (each open canvas asks once a second while images are on their
# way), so it is one plain statement: building it with the ORM cost several times more than
# running it. The first branch lists candidates, the second the keyframes with how many
# face scores each has (they arrive after the image, all of a keyframe's at once) and
# whether its scores may still come: when that window closes the canvas stops polling.
CANVAS_STATE_SQL = f"""
    SELECT job.id, job.status, candidate.slot, candidate.status
      FROM {Candidate._meta.db_table} AS candidate
      JOIN {GenerationJob._meta.db_table} AS job ON job.id = candidate.job_id
     WHERE job.cut_id = %s AND job.kind = '{GenerationJob.Kind.IMAGES}'
    UNION ALL
    SELECT keyframe.id, NULL, COUNT(score.id),
           MAX(CASE WHEN keyframe.created_at > %s THEN 'fresh' ELSE 'settled' END)
      FROM {Keyframe._meta.db_table} AS keyframe
      LEFT JOIN {FaceScore._meta.db_table} AS score ON score.keyframe_id = keyframe.id
     WHERE keyframe.cut_id = %s
     GROUP BY keyframe.id
"""


def canvas_state(*, cut: Cut) -> tuple:
    """What the canvas shows of the cut's jobs and keyframes, as plain values: every
    candidate's job, job status, slot and status, and the ids of the keyframes (which never
    change once stored) with their number of face scores. Two equal states give the same
    canvas, so the canvas HTML is cached by it (keyframes.editor)."""
    with connection.cursor() as cursor:
        scores_since = timezone.now() - scoring_deadline()
        since = connection.ops.adapt_datetimefield_value(scores_since)
        cursor.execute(CANVAS_STATE_SQL, [cut.pk, since, cut.pk])
        rows = cursor.fetchall()
    candidate_rows = [row for row in rows if row[1] is not None]
    keyframe_rows = [(row[0], row[2], row[3]) for row in rows if row[1] is None]
    return state_of(candidate_rows, keyframe_rows)


def state_of(candidate_rows, keyframe_rows) -> tuple:
    """Candidates by (job, slot), keyframes by id: one order, however they were read."""
    return (
        tuple(sorted(map(tuple, candidate_rows), key=itemgetter(0, 2))),
        tuple(sorted(map(tuple, keyframe_rows))),
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
    return image_jobs(cut).filter(status__in=GenerationJob.ACTIVE_STATUSES).exists()


def image_jobs(cut: Cut):
    """The cut's sets of images; its takes show in the takes panel instead."""
    return cut.jobs.filter(kind=GenerationJob.Kind.IMAGES)


def freshness(created_at: datetime, scores_since: datetime) -> str:
    return "fresh" if created_at > scores_since else "settled"


def awaiting_face_scores(keyframe: Keyframe, *, since: datetime) -> bool:
    """Scores come on their own task shortly after the image; past their deadline the canvas
    stops waiting (scoring may be turned off, or the worker may have died)."""
    if keyframe.face_scores.all() or keyframe.created_at <= since:
        return False
    return bool(character_references(keyframe))
