"""Face-match scores of generated keyframes against the character sheets their job sent.

Scoring runs on its own task after the keyframe is stored (``queue_face_scoring``), so it
never delays or fails a generation. Before it starts it writes "not scored" rows saying the
scoring did not finish; a worker killed by the task timeout leaves exactly that behind, and
a retried task sees the rows and stops.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from cutflow.task_queue import enqueue_after_commit
from keyframes import face_match
from keyframes.face_match import FaceMatch, ScoringUnavailable, Verdict
from keyframes.models import FaceScore, Keyframe
from projects.signals import FaceVerdict

logger = logging.getLogger(__name__)


def character_references(keyframe: Keyframe) -> list[dict]:
    """The character sheets the keyframe's job sent, in reference order, one per handle."""
    if keyframe.job is None:
        return []
    seen, sheets = set(), []
    for entry in keyframe.job.references:
        handle = entry.get("handle", "")
        if entry.get("role") == "character" and entry.get("image_name") and handle not in seen:
            seen.add(handle)
            sheets.append(entry)
    return sheets


def scoring_deadline() -> timedelta:
    """How long after a keyframe is stored its scores may still arrive: the queue's wait
    plus the task's timeout, with room to spare."""
    if not settings.FACE_SCORING_ENABLED:
        return timedelta(0)
    return timedelta(seconds=2 * settings.FACE_SCORING_TIMEOUT_SECONDS)


def queue_face_scoring(*, keyframe: Keyframe) -> None:
    """After commit, so the worker never loads a keyframe that was rolled back."""
    if not settings.FACE_SCORING_ENABLED or not character_references(keyframe):
        return
    enqueue_after_commit(
        "keyframes.tasks.score_keyframe_faces",
        keyframe.pk,
        task_name=f"face-score-{keyframe.pk}",
        timeout=settings.FACE_SCORING_TIMEOUT_SECONDS,
        robust=True,
    )


def score_keyframe_faces(*, keyframe: Keyframe) -> list[FaceScore]:
    sheets = character_references(keyframe)
    if not sheets or not claim_scoring(keyframe, sheets):
        return list(keyframe.face_scores.all())
    try:
        matches = face_match.match_faces(
            image=read_stored(keyframe.image.name),
            sheets=[
                (entry["handle"], entry.get("sha256", ""), read_stored(entry["image_name"]))
                for entry in sheets
            ],
            model=face_match.load_face_model(settings.FACE_MODEL_DIR),
        )
    except ScoringUnavailable as exc:
        matches = [
            FaceMatch(entry["handle"], Verdict.NOT_SCORED, reason=f"{exc}.") for entry in sheets
        ]
    except OSError as exc:
        reason = f"A stored image could not be read ({type(exc).__name__})."
        matches = [
            FaceMatch(entry["handle"], Verdict.NOT_SCORED, reason=reason) for entry in sheets
        ]
    return save_matches(keyframe, matches)


def read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def claim_scoring(keyframe: Keyframe, sheets: list[dict]) -> bool:
    """Writes the "did not finish" rows; False when another run already wrote rows."""
    reason = (
        f"Scoring did not finish within {settings.FACE_SCORING_TIMEOUT_SECONDS} seconds "
        "or the worker stopped."
    )
    with transaction.atomic():
        Keyframe.objects.select_for_update().filter(pk=keyframe.pk).first()
        if keyframe.face_scores.exists():
            return False
        FaceScore.objects.bulk_create(
            FaceScore(
                keyframe=keyframe,
                position=position,
                handle=entry["handle"],
                verdict=FaceScore.Verdict.NOT_SCORED,
                reason=reason,
            )
            for position, entry in enumerate(sheets)
        )
    return True


def save_matches(keyframe: Keyframe, matches: list[FaceMatch]) -> list[FaceScore]:
    rows = {row.handle: row for row in keyframe.face_scores.all()}
    for match in matches:
        row = rows[match.handle]
        row.verdict = match.verdict.value
        row.similarity = match.similarity
        row.reason = match.reason[:300]
    FaceScore.objects.bulk_update(rows.values(), ["verdict", "similarity", "reason"])
    if any(match.verdict == Verdict.NOT_SCORED for match in matches):
        logger.info("Keyframe %s not scored: %s", keyframe.pk, matches[0].reason)
    return sorted(rows.values(), key=lambda row: row.position)


def face_verdicts_by_keyframe(*, keyframe_ids: list[int]) -> dict[int, list[FaceVerdict]]:
    """{keyframe id: [FaceVerdict]}, characters in reference order, in one query."""
    result: dict[int, list[FaceVerdict]] = {}
    for row in FaceScore.objects.filter(keyframe_id__in=keyframe_ids).order_by(
        "keyframe", "position"
    ):
        result.setdefault(row.keyframe_id, []).append(
            FaceVerdict(row.handle, row.verdict, row.badge, row.summary, row.explanation)
        )
    return result
