"""Running a generation job in a worker: claim each slot, call the provider, store or refund."""

import dataclasses
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image

from cutflow.files import remove_files
from keyframes.arrivals import ArrivedImage, arrived_image
from keyframes.face_scores import queue_face_scoring
from keyframes.flight_picks import pick_first_for_flight
from keyframes.flight_progress import settle_flight
from keyframes.generation import CANCEL_POLL_SECONDS, SLOT_WAIT_SECONDS, logger
from keyframes.job_credits import refund_image
from keyframes.models import Candidate, GenerationJob, ProviderGate
from keyframes.providers.base import (
    CandidateRequest,
    ErrorKind,
    ProviderError,
    ReferenceImage,
)
from keyframes.providers.reference_prep import cached_preparation, prepared_reference
from keyframes.providers.registry import MODELS, ModelSpec, get_model, provider_name_for
from keyframes.providers.retries import generate_with_retries
from keyframes.providers.sent_request import sent_request
from keyframes.providers.video_registry import VIDEO_MODELS
from keyframes.take_status import settle_take
from projects.models import Cut


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
    if job.kind == GenerationJob.Kind.TAKE:
        # Imported here: take_runner builds on this module's claim, fail and finish steps.
        from keyframes.take_runner import run_take

        run_take(job)
        return
    spec = get_model(job.model_key)
    references = load_reference_images(job)
    pending = list(job.candidates.filter(status=Candidate.Status.PENDING))
    if isinstance(references, ProviderError):
        for candidate in pending:
            fail_candidate(job, candidate, references)
    else:
        runner = CandidateRunner(job, spec, references)
        # Kept before sending: support needs it most when every candidate failed.
        sent = sent_request(spec, runner.request(seed=0))
        GenerationJob.objects.filter(pk=job.pk).update(sent_request=sent)
        runner.run(pending)


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
        try:
            with ThreadPoolExecutor(max_workers=max(1, len(waiting))) as pool:
                while waiting or self.in_flight:
                    if waiting and self.cancel_requested():
                        waiting = []  # the canceller already refunded the unsent candidates
                        continue
                    if waiting:
                        claimed, waiting = claim_candidates(waiting, provider=self.provider)
                        for candidate in claimed:
                            self.submit(pool, candidate)
                    self.collect(timeout=SLOT_WAIT_SECONDS if waiting else None)
        finally:
            self.discard_uncollected()

    def request(self, *, seed: int) -> CandidateRequest:
        return CandidateRequest(
            model_key=self.spec.key,
            prompt=self.prompt,
            negative_prompt=self.job.negative_prompt,
            aspect_ratio=self.job.aspect_ratio,
            references=self.references,
            seed=seed,
            label_references=self.label_references,
        )

    def submit(self, pool: ThreadPoolExecutor, candidate: Candidate) -> None:
        self.in_flight[pool.submit(self.receive, candidate)] = candidate

    def receive(self, candidate: Candidate) -> ArrivedImage:
        """In the candidate's thread: the provider call, then its image's intake."""
        result = generate_with_retries(self.spec, self.request(seed=candidate.seed))
        return arrived_image(self.job, candidate, result)

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

    def discard_uncollected(self) -> None:
        """After a crash of the job's thread, the files of images nobody will record go (their
        candidates are failed and refunded by run_generation)."""
        for future in self.in_flight:
            outcome = candidate_outcome(future)
            if isinstance(outcome, ArrivedImage):
                remove_files(outcome.files)

    def cancel_requested(self) -> bool:
        now = time.monotonic()
        if now - self.last_cancel_check < CANCEL_POLL_SECONDS:
            return False
        self.last_cancel_check = now
        replace_dead_connection()
        return GenerationJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()


def candidate_outcome(future: Future) -> ArrivedImage | ProviderError:
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


def claim_candidates(
    waiting: list[Candidate], *, provider: str
) -> tuple[list[Candidate], list[Candidate]]:
    """Marks as sent as many waiting candidates as their provider's concurrency cap allows,
    in one transaction: the gate row lock makes the count-and-claim atomic across workers,
    and claiming a job's candidates together sends them together. Returns the claimed ones
    and those still waiting; a candidate cancelled or reaped meanwhile is in neither."""
    cap = settings.PROVIDER_CONCURRENCY.get(provider, 4)
    ProviderGate.objects.get_or_create(provider=provider)
    with transaction.atomic():
        ProviderGate.objects.select_for_update().get(provider=provider)
        busy = Candidate.objects.filter(
            status=Candidate.Status.RUNNING,
            job__model_key__in=models_served_by(provider),
        ).count()
        free = max(0, cap - busy)
        claimed = [candidate for candidate in waiting[:free] if _claim(candidate)]
    return claimed, waiting[free:]


def _claim(candidate: Candidate) -> bool:
    return bool(
        Candidate.objects.filter(pk=candidate.pk, status=Candidate.Status.PENDING).update(
            status=Candidate.Status.RUNNING, started_at=timezone.now(), attempts=1
        )
    )


def models_served_by(provider: str) -> list[str]:
    """Image and video models alike: a take holds one of its provider's call slots."""
    images = [key for key, spec in MODELS.items() if provider_name_for(spec) == provider]
    return images + [key for key, spec in VIDEO_MODELS.items() if spec.provider == provider]


def load_reference_images(job: GenerationJob) -> tuple[ReferenceImage, ...] | ProviderError:
    images = []
    for entry in job.references:
        stored = ReferenceImage(
            label=entry["label"], data=b"", mime_type=entry["mime_type"], role=entry["role"]
        )
        # Entries carry the stored file's sha256; an entry without one has its file read.
        prepared = cached_preparation(stored, original_sha256=entry.get("sha256", ""))
        if prepared is None:
            prepared = read_and_prepare(entry, stored)
        if isinstance(prepared, ProviderError):
            return prepared
        images.append(prepared)
    return tuple(images)


def read_and_prepare(entry: dict, stored: ReferenceImage) -> ReferenceImage | ProviderError:
    try:
        with default_storage.open(entry["image_name"], "rb") as handle:
            data = handle.read()
    except OSError:
        return ProviderError(
            ErrorKind.BAD_RESPONSE,
            f"Reference image {entry['image_name']} is missing from storage",
        )
    try:
        return prepared_reference(dataclasses.replace(stored, data=data))
    except (OSError, Image.DecompressionBombError) as exc:
        detail = f"Reference image {entry['image_name']} is unreadable: {exc}"
        return ProviderError(ErrorKind.BAD_RESPONSE, detail)


def store_candidate_image(
    job: GenerationJob, candidate: Candidate, arrived: ArrivedImage, request_prompt: str
):
    try:
        save_keyframe(job, candidate, arrived, request_prompt)
    except CandidateGivenUp:
        remove_files(arrived.files)
        logger.info("Candidate %s of job %s arrived after it was reaped", candidate.slot, job.pk)
    except BaseException:
        remove_files(arrived.files)
        raise


def save_keyframe(
    job: GenerationJob, candidate: Candidate, arrived: ArrivedImage, request_prompt: str
) -> None:
    result, keyframe = arrived.result, arrived.keyframe
    with transaction.atomic():
        mark_candidate_succeeded(job, candidate, request_id=result.request_id)
        keyframe.save()
        queue_face_scoring(keyframe=keyframe)
        # The provider's text adds the reference labels to the folded prompt.
        GenerationJob.objects.filter(pk=job.pk, sent_prompt=request_prompt).update(
            sent_prompt=result.sent_prompt
        )


def mark_candidate_succeeded(job: GenerationJob, candidate: Candidate, *, request_id: str) -> None:
    """Inside the caller's transaction: the running candidate succeeds, or CandidateGivenUp when
    a reaper or a cancel ended it first. The job row is locked first, as fail_candidate and
    cancel_job take it: holding the candidate while waiting for the job would deadlock with a
    reaper failing this candidate."""
    GenerationJob.objects.select_for_update().filter(pk=job.pk).first()
    finished = Candidate.objects.filter(pk=candidate.pk, status=Candidate.Status.RUNNING).update(
        status=Candidate.Status.SUCCEEDED,
        provider_request_id=request_id[:120],
        finished_at=timezone.now(),
    )
    if not finished:
        raise CandidateGivenUp


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
        error_message = next(iter(errors), "")[:300]
        GenerationJob.objects.filter(pk=job.pk).update(
            status=status, finished_at=timezone.now(), error_message=error_message
        )
        if job.kind == GenerationJob.Kind.TAKE:
            settle_take(job_id=job.pk, job_status=status, error_message=error_message)
        pick_first_for_flight(job)
        if job.cut_id is not None:
            settle_cut(job.cut_id)
        if job.flight_id is not None:
            settle_flight(flight=job.flight)
    job.refresh_from_db()
    return job


def settle_cut(cut_id: int) -> None:
    """A cut stays 'generating' while any of its image jobs is unfinished (a take running
    shows in the takes panel, not as a generating cut)."""
    cut = Cut.objects.select_for_update().get(pk=cut_id)
    before = cut.status
    busy = (
        cut.jobs.filter(kind=GenerationJob.Kind.IMAGES, status__in=GenerationJob.ACTIVE_STATUSES)
    ).exists()
    if cut.settle_status(generating=busy) != before:
        Cut.objects.filter(pk=cut_id).update(status=cut.status)
