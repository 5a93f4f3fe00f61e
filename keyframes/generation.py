"""Generation jobs: validate, snapshot and pre-charge a request, then run its candidates."""

import logging
import secrets
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from characters.references import ReferenceList, check_references, resolve_references
from cutflow.files import stored_image
from cutflow.images import ingest_generated_image
from keyframes.job_credits import charge_job, refund_image
from keyframes.model_choice import choose_model
from keyframes.models import Candidate, Flight, GenerationJob, Keyframe, ProviderGate
from keyframes.providers.base import (
    CandidateRequest,
    ErrorKind,
    GeneratedImage,
    ProviderError,
    ReferenceImage,
    generate_with_retries,
)
from keyframes.providers.registry import MODELS, ModelSpec, get_model, provider_name_for
from projects.models import Cut

logger = logging.getLogger(__name__)

SLOT_WAIT_SECONDS = 0.05
CANCEL_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class GenerationPlan:
    """Everything checked about a request before anything is charged."""

    spec: ModelSpec
    automatic: bool
    model_reason: str
    prompt: str
    count: int
    references: ReferenceList
    sent: list
    dropped: list

    @property
    def credits(self) -> int:
        return self.spec.credits_per_image * self.count


def plan_generation(*, cut: Cut, prompt: str, count: int, model_key: str = "") -> GenerationPlan:
    """Validates a request (prompt, mentions, references, count, model). Raises
    ValidationError keyed by field; charges nothing."""
    prompt = prompt.strip()
    if not prompt:
        raise ValidationError({"prompt": "Write a prompt (or generate one from the script) first."})
    if len(prompt) > settings.PROMPT_MAX_CHARS:
        raise ValidationError(
            {"prompt": f"Keep the prompt under {settings.PROMPT_MAX_CHARS} characters."}
        )
    if not 1 <= count <= 4:
        raise ValidationError({"count": "Choose between 1 and 4 images."})
    references = resolve_references(cut=cut, prompt=prompt)
    check_references(references)
    has_characters = references.has_characters
    choice = choose_model(cut=cut, requested=model_key, has_characters=has_characters)
    sent, dropped = references.for_model(choice.spec.max_references)
    return GenerationPlan(
        spec=choice.spec,
        automatic=choice.automatic,
        model_reason=choice.reason,
        prompt=prompt,
        count=count,
        references=references,
        sent=sent,
        dropped=dropped,
    )


def start_generation(
    *,
    cut: Cut,
    user,
    prompt: str,
    count: int,
    idempotency_key: str,
    negative_prompt: str = "",
    model_key: str = "",
    flight: Flight | None = None,
) -> GenerationJob:
    """Checks the request, then in one transaction snapshots it, charges the credits and
    queues the job. The same idempotency key twice gives back the first job."""
    existing = GenerationJob.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    plan = plan_generation(cut=cut, prompt=prompt, count=count, model_key=model_key)
    try:
        with transaction.atomic():
            job = create_job(
                cut=cut,
                user=user,
                plan=plan,
                negative_prompt=negative_prompt,
                idempotency_key=idempotency_key,
                flight=flight,
            )
            # Charge before queueing: a crashed worker must not yield free images.
            charge_job(user=user, job=job, amount=plan.credits)
            Cut.objects.filter(pk=cut.pk).update(status=Cut.Status.GENERATING)
            # After commit: a worker must never load a rolled-back job. Robust: the charge is
            # committed by then, so a broker error must not fail the request; the reaper
            # refunds a job that was never picked up.
            transaction.on_commit(lambda: enqueue_job(job.pk), robust=True)
    except IntegrityError:
        # A concurrent double submit won the race for this idempotency key.
        return GenerationJob.objects.get(user=user, idempotency_key=idempotency_key)
    cut.status = Cut.Status.GENERATING
    return job


def create_job(*, cut, user, plan, negative_prompt, idempotency_key, flight) -> GenerationJob:
    spec = plan.spec
    job = GenerationJob.objects.create(
        user=user,
        cut=cut,
        flight=flight,
        model_key=spec.key,
        count=plan.count,
        prompt=plan.prompt,
        # Snapshotted now: editing the cut's shot or the project's style later changes nothing.
        sent_prompt=prompt_to_send(cut=cut, prompt=plan.prompt),
        negative_prompt=negative_prompt.strip() if spec.supports_negative_prompt else "",
        aspect_ratio=cut.project.aspect_ratio,
        references=[entry.as_json() for entry in plan.sent],
        dropped_references=[entry.as_json() for entry in plan.dropped],
        credits_per_image=spec.credits_per_image,
        credits_charged=plan.credits,
        idempotency_key=idempotency_key,
    )
    Candidate.objects.bulk_create(
        Candidate(job=job, slot=slot, seed=secrets.randbelow(2**31)) for slot in range(plan.count)
    )
    return job


def enqueue_job(job_id: int) -> None:
    async_task("keyframes.tasks.run_job", job_id, task_name=f"generation-job-{job_id}")


# --- Running a job ---------------------------------------------------------------------------


def run_generation(*, job: GenerationJob) -> GenerationJob:
    """Runs every candidate of a job at once. The provider calls happen in threads; every
    database write stays on this thread, so no thread needs a connection of its own."""
    claimed = GenerationJob.objects.filter(pk=job.pk, status=GenerationJob.Status.QUEUED).update(
        status=GenerationJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        # Already run, reaped or cancelled: a restarted worker must not generate it twice.
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        run_candidates(job)
    finally:
        # Whatever stopped the run early (a bug, a lost database), no charged candidate
        # stays unfinished: it fails and is refunded, and the job ends. The error itself
        # still reaches the task log.
        fail_unfinished(job, WORKER_STOPPED)
        finish_job(job)
    return job


WORKER_STOPPED = ProviderError(
    ErrorKind.BAD_RESPONSE, "The worker stopped with an error before this image was finished."
)


def run_candidates(job: GenerationJob) -> None:
    spec = get_model(job.model_key)
    references = load_reference_images(job)
    pending = list(job.candidates.filter(status=Candidate.Status.PENDING))
    if isinstance(references, ProviderError):
        for candidate in pending:
            fail_candidate(job, candidate, references)
    else:
        CandidateRunner(job, spec, references).run(pending)


class CandidateRunner:
    """Sends each candidate as soon as its provider has a free slot, and stores each result
    as it arrives."""

    def __init__(self, job: GenerationJob, spec: ModelSpec, references: tuple):
        self.job = job
        self.spec = spec
        self.references = references
        self.provider = provider_name_for(spec)
        self.prompt = job.sent_prompt or job.prompt
        self.label_references = job.cut.project.label_references
        self.in_flight: dict[Future, Candidate] = {}
        self.last_cancel_check = 0.0

    def run(self, waiting: list[Candidate]) -> None:
        with ThreadPoolExecutor(max_workers=max(1, len(waiting))) as pool:
            while waiting or self.in_flight:
                if waiting and self.cancel_requested():
                    waiting = []  # the canceller already refunded the unsent candidates
                    continue
                if waiting:
                    claim = claim_candidate(waiting[0], provider=self.provider)
                    if claim is not Claim.BUSY:
                        candidate = waiting.pop(0)
                        if claim is Claim.CLAIMED:
                            self.submit(pool, candidate)
                        continue
                self.collect(timeout=SLOT_WAIT_SECONDS if waiting else None)

    def submit(self, pool: ThreadPoolExecutor, candidate: Candidate) -> None:
        request = CandidateRequest(
            model_key=self.spec.key,
            prompt=self.prompt,
            negative_prompt=self.job.negative_prompt,
            aspect_ratio=self.job.aspect_ratio,
            references=self.references,
            seed=candidate.seed,
            label_references=self.label_references,
        )
        self.in_flight[pool.submit(generate_with_retries, self.spec, request)] = candidate

    def collect(self, *, timeout: float | None) -> None:
        if not self.in_flight:
            time.sleep(timeout or 0)
            return
        done, _ = wait(list(self.in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        if done:
            replace_dead_connection()
        for future in done:
            candidate = self.in_flight.pop(future)
            outcome = candidate_outcome(future)
            if isinstance(outcome, ProviderError):
                fail_candidate(self.job, candidate, outcome)
            else:
                store_candidate_image(self.job, candidate, outcome, self.prompt)

    def cancel_requested(self) -> bool:
        now = time.monotonic()
        if now - self.last_cancel_check < CANCEL_POLL_SECONDS:
            return False
        self.last_cancel_check = now
        replace_dead_connection()
        return GenerationJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()


def candidate_outcome(future: Future) -> GeneratedImage | ProviderError:
    try:
        return future.result()
    except ProviderError as error:
        return error
    except Exception as exc:
        # The one place an SDK's own surprise (a ValueError, a KeyError from a changed
        # response) meets a charged candidate: it fails and is refunded like any bad
        # response, the raw detail is kept for support, and the other candidates go on.
        logger.exception("Provider call raised %s instead of a ProviderError", type(exc).__name__)
        return ProviderError(ErrorKind.BAD_RESPONSE, f"{type(exc).__name__}: {exc}")


def replace_dead_connection() -> None:
    """The database may have restarted while this worker waited on the providers: drop a dead
    connection so the next write opens a new one. Inside a transaction the connection belongs
    to the transaction and is left alone."""
    live = connection.connection is None or connection.in_atomic_block or connection.is_usable()
    if not live:
        connection.close()


class Claim(Enum):
    CLAIMED = "claimed"
    BUSY = "busy"  # the provider is at its cap: try again shortly
    GONE = "gone"  # cancelled or reaped meanwhile: never send it


def claim_candidate(candidate: Candidate, *, provider: str) -> Claim:
    """Marks a candidate as sent if its provider is under its concurrency cap. The gate row
    lock makes the count-and-claim atomic across workers."""
    cap = settings.PROVIDER_CONCURRENCY.get(provider, 4)
    ProviderGate.objects.get_or_create(provider=provider)
    with transaction.atomic():
        ProviderGate.objects.select_for_update().get(provider=provider)
        busy = Candidate.objects.filter(
            status=Candidate.Status.RUNNING,
            job__model_key__in=models_served_by(provider),
        ).count()
        if busy >= cap:
            return Claim.BUSY
        claimed = Candidate.objects.filter(pk=candidate.pk, status=Candidate.Status.PENDING).update(
            status=Candidate.Status.RUNNING, started_at=timezone.now(), attempts=1
        )
    return Claim.CLAIMED if claimed else Claim.GONE


def models_served_by(provider: str) -> list[str]:
    return [key for key, spec in MODELS.items() if provider_name_for(spec) == provider]


def prompt_to_send(*, cut: Cut, prompt: str) -> str:
    """The creator's prompt with the cut's shot and the project's style folded in; a shot
    detail the prompt already names is not repeated."""
    shot = [
        label
        for value, label in (
            (cut.shot_size, cut.get_shot_size_display() + " shot"),
            (cut.camera_angle, cut.get_camera_angle_display()),
            (cut.camera_movement, cut.get_camera_movement_display() + " camera"),
        )
        if value and label.lower() not in prompt.lower()
    ]
    parts = []
    if shot:
        text = ", ".join(shot).lower()
        parts.append(text[0].upper() + text[1:] + ".")
    parts.append(prompt)
    if cut.project.style_text:
        parts.append(f"Style: {cut.project.style_text}")
    return " ".join(parts)


def load_reference_images(job: GenerationJob) -> tuple[ReferenceImage, ...] | ProviderError:
    images = []
    for entry in job.references:
        try:
            with default_storage.open(entry["image_name"], "rb") as handle:
                data = handle.read()
        except OSError:
            return ProviderError(
                ErrorKind.BAD_RESPONSE,
                f"Reference image {entry['image_name']} is missing from storage",
            )
        images.append(
            ReferenceImage(
                label=entry["label"], data=data, mime_type=entry["mime_type"], role=entry["role"]
            )
        )
    return tuple(images)


def store_candidate_image(
    job: GenerationJob, candidate: Candidate, result: GeneratedImage, request_prompt: str
):
    try:
        ingested = ingest_generated_image(result.data)
    except ValidationError as exc:
        fail_candidate(
            job, candidate, ProviderError(ErrorKind.BAD_RESPONSE, f"Unusable image: {exc}")
        )
        return
    try:
        save_keyframe(job, candidate, result, ingested, request_prompt)
    except CandidateGivenUp:
        logger.info("Candidate %s of job %s arrived after it was reaped", candidate.slot, job.pk)
    except OSError as exc:
        # Storage refused the file (disk full, bucket down): the image is lost, so is the charge.
        error = ProviderError(ErrorKind.BAD_RESPONSE, f"Could not store the image: {exc!r}")
        fail_candidate(job, candidate, error)


def save_keyframe(
    job: GenerationJob,
    candidate: Candidate,
    result: GeneratedImage,
    ingested,
    request_prompt: str,
) -> None:
    keyframe = Keyframe(
        cut_id=job.cut_id,
        job=job,
        slot=candidate.slot,
        source=Keyframe.Source.GENERATED,
        model_key=job.model_key,
        seed=result.seed if result.seed is not None else candidate.seed,
        byte_size=len(ingested.content),
    )
    with stored_image(keyframe, ingested), transaction.atomic():
        # The job row first, as fail_candidate and cancel_job take it: holding the candidate
        # while waiting for the job would deadlock with a reaper failing this candidate.
        GenerationJob.objects.select_for_update().filter(pk=job.pk).first()
        finished = Candidate.objects.filter(
            pk=candidate.pk, status=Candidate.Status.RUNNING
        ).update(
            status=Candidate.Status.SUCCEEDED,
            provider_request_id=result.request_id[:120],
            finished_at=timezone.now(),
        )
        if not finished:
            raise CandidateGivenUp
        keyframe.save()
        # The provider's text adds the reference labels to the folded prompt.
        GenerationJob.objects.filter(pk=job.pk, sent_prompt=request_prompt).update(
            sent_prompt=result.sent_prompt
        )


class CandidateGivenUp(Exception):
    """The reaper already failed and refunded this candidate; its late image is dropped."""


def fail_candidate(job: GenerationJob, candidate: Candidate, error: ProviderError) -> None:
    logger.info("Candidate %s of job %s failed: %s", candidate.slot, job.pk, error)
    with transaction.atomic():
        # Lock the job first, in the same order as cancel_job and refund_image.
        GenerationJob.objects.select_for_update().filter(pk=job.pk).first()
        failed = Candidate.objects.filter(
            pk=candidate.pk, status__in=[Candidate.Status.PENDING, Candidate.Status.RUNNING]
        ).update(
            status=Candidate.Status.FAILED,
            error_kind=error.kind,
            error_message=error.user_message[:300],
            error_detail=error.detail[:5000],
            provider_request_id=error.request_id[:120],
            finished_at=timezone.now(),
        )
        if failed:
            refund_image(
                job=job,
                slot=candidate.slot,
                amount=job.credits_per_image,
                reason=error.user_message,
            )


def fail_unfinished(job: GenerationJob, error: ProviderError) -> None:
    unfinished = job.candidates.filter(
        status__in=[Candidate.Status.PENDING, Candidate.Status.RUNNING]
    )
    for candidate in unfinished:
        fail_candidate(job, candidate, error)


def finish_job(job: GenerationJob) -> GenerationJob:
    """Sets the job's final status from its candidates and puts the cut back at rest."""
    statuses = list(job.candidates.values_list("status", flat=True))
    succeeded = statuses.count(Candidate.Status.SUCCEEDED)
    if Candidate.Status.CANCELLED in statuses:
        status = GenerationJob.Status.CANCELLED  # whatever arrived before the cancel is kept
    elif succeeded == len(statuses):
        status = GenerationJob.Status.SUCCEEDED
    elif succeeded:
        status = GenerationJob.Status.PARTIAL
    else:
        status = GenerationJob.Status.FAILED
    errors = job.candidates.exclude(error_message="").values_list("error_message", flat=True)
    with transaction.atomic():
        GenerationJob.objects.filter(pk=job.pk).update(
            status=status, finished_at=timezone.now(), error_message=(next(iter(errors), ""))[:300]
        )
        settle_cut(job.cut_id)
    job.refresh_from_db()
    return job


def settle_cut(cut_id: int) -> None:
    """A cut stays 'generating' while any of its jobs is unfinished."""
    cut = Cut.objects.select_for_update().get(pk=cut_id)
    busy = cut.jobs.filter(status__in=GenerationJob.ACTIVE_STATUSES).exists()
    status = Cut.Status.GENERATING if busy else cut.resting_status()
    if status != cut.status:
        Cut.objects.filter(pk=cut_id).update(status=status)


# --- Faults and cancelling -------------------------------------------------------------------


def reap_stale_jobs(*, now=None) -> int:
    """Finishes jobs whose worker died: every unfinished candidate fails and is refunded.
    Scheduled every minute; the deadline is longer than the task timeout, so a slow job
    is never reaped while its worker still runs it."""
    deadline = (now or timezone.now()) - timedelta(seconds=settings.JOB_DEADLINE_SECONDS)
    stale = GenerationJob.objects.filter(
        status__in=GenerationJob.ACTIVE_STATUSES,
        created_at__lt=deadline,
    ).exclude(started_at__gte=deadline)
    error = ProviderError(
        ErrorKind.TIMEOUT, "The worker stopped before this image was finished (reaped)."
    )
    reaped = 0
    for job in stale:
        try:
            with transaction.atomic():
                fail_unfinished(job, error)
                finish_job(job)
        except DatabaseError:
            # One job the database refuses must not hold back the others; the next run
            # tries it again, and the rollback leaves its refunds unwritten until then.
            logger.exception("Could not reap job %s", job.pk)
            continue
        reaped += 1
    return reaped


def cancel_job(*, job: GenerationJob) -> GenerationJob:
    """Stops a job: candidates not yet sent are cancelled and refunded at once; images
    already on their way or arrived are kept."""
    if job.is_final:
        return job
    with transaction.atomic():
        GenerationJob.objects.filter(pk=job.pk).update(cancel_requested=True)
        unsent = list(job.candidates.select_for_update().filter(status=Candidate.Status.PENDING))
        for candidate in unsent:
            Candidate.objects.filter(pk=candidate.pk).update(
                status=Candidate.Status.CANCELLED,
                error_message="Cancelled before it was sent; credits refunded.",
                finished_at=timezone.now(),
            )
            refund_image(
                job=job, slot=candidate.slot, amount=job.credits_per_image, reason="Cancelled"
            )
    job.refresh_from_db()
    if job.status == GenerationJob.Status.QUEUED:
        # No worker has it yet: nothing is in flight, so the job ends here.
        claimed = GenerationJob.objects.filter(
            pk=job.pk, status=GenerationJob.Status.QUEUED
        ).update(status=GenerationJob.Status.RUNNING, started_at=timezone.now())
        if claimed:
            return finish_job(job)
    return job
