"""An Auto-Flight's progress and outcome, and the progress of generating cuts in the cut list."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from keyframes.models import Candidate, Flight, GenerationJob
from projects.models import Cut

STAGES = {
    GenerationJob.Status.QUEUED: "queued",
    GenerationJob.Status.RUNNING: "generating",
    GenerationJob.Status.SUCCEEDED: "done",
}
STAGE_LABELS = {
    "writing": "Writing the prompt",
    "queued": "Queued",
    "generating": "Generating",
    "done": "Done",
    "partial": "Done, some images failed",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class CutOutcome:
    cut: Cut
    number: int
    model_key: str
    images_ok: int
    images_failed: int
    images_waiting: int
    credits_charged: int
    credits_refunded: int
    status: str  # the latest job's status, "failed" when the cut never started, or "waiting"
    message: str = ""

    @property
    def ended(self) -> bool:
        return self.status not in ("waiting", *GenerationJob.ACTIVE_STATUSES)

    @property
    def stage(self) -> str:
        """writing, queued, generating, done, partial, failed or cancelled."""
        if self.status == "waiting":
            return "queued" if self.cut.prompt.strip() else "writing"
        return STAGES.get(self.status, self.status)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def succeeded(self) -> bool:
        return self.status == GenerationJob.Status.SUCCEEDED


@dataclass(frozen=True)
class FlightProgress:
    flight: Flight
    outcomes: tuple[CutOutcome, ...]

    @property
    def images_total(self) -> int:
        return sum(o.images_ok + o.images_failed + o.images_waiting for o in self.outcomes)

    @property
    def images_done(self) -> int:
        return sum(o.images_ok + o.images_failed for o in self.outcomes)

    @property
    def cuts_ended(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.ended)

    @property
    def unfinished(self) -> bool:
        """Some cut still has its prompt written, its job started or its images made."""
        return any(not outcome.ended for outcome in self.outcomes)

    @property
    def prompts_writing(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.stage == "writing")

    @property
    def all_succeeded(self) -> bool:
        return all(outcome.succeeded for outcome in self.outcomes)


def flight_progress(*, flight: Flight) -> FlightProgress:
    """Per planned cut: its images so far and its credits, from the jobs of this flight.
    Reads only: the flight settles when its last job ends (finish_job)."""
    flight.refresh_from_db()
    numbers = {
        pk: number for number, pk in enumerate(flight.project.cuts.values_list("pk", flat=True), 1)
    }
    jobs_by_cut = defaultdict(list)
    for job in flight.jobs.order_by("created_at", "pk"):
        jobs_by_cut[job.cut_id].append(job)
    counts = candidate_counts(GenerationJob.objects.filter(flight=flight), by="job__cut_id")
    cuts = Cut.objects.in_bulk([int(pk) for pk in flight.options.get("cuts", {})])
    failures = flight.options.get("failures", {})
    outcomes = []
    for cut_id, cut in sorted(cuts.items(), key=lambda item: numbers.get(item[0], 0)):
        planned = flight.options["cuts"][str(cut_id)]
        jobs = jobs_by_cut.get(cut_id, [])
        images = counts.get(cut_id, {})
        if jobs:
            status, message = jobs[-1].status, jobs[-1].error_message
        elif str(cut_id) in failures:
            status, message = GenerationJob.Status.FAILED, failures[str(cut_id)]
        else:
            status, message = "waiting", ""
        outcomes.append(
            CutOutcome(
                cut=cut,
                number=numbers.get(cut_id, 0),
                model_key=jobs[-1].model_key if jobs else planned["model"],
                images_ok=images.get(Candidate.Status.SUCCEEDED, 0),
                images_failed=images.get(Candidate.Status.FAILED, 0)
                + images.get(Candidate.Status.CANCELLED, 0),
                images_waiting=images.get(Candidate.Status.PENDING, 0)
                + images.get(Candidate.Status.RUNNING, 0)
                + (planned["count"] if status == "waiting" else 0),
                credits_charged=sum(job.credits_charged for job in jobs),
                credits_refunded=sum(job.credits_refunded for job in jobs),
                status=status,
                message=message,
            )
        )
    return FlightProgress(flight=flight, outcomes=tuple(outcomes))


def settle_flight(*, flight: Flight) -> None:
    """Marks the flight finished once every planned cut has ended: its job is final or it
    could not start. A flight with cuts never started stays running, so it can be resumed.
    The flight's row lock makes the last of two jobs ending at once see the other's end."""
    with transaction.atomic():
        flight = Flight.objects.select_for_update().get(pk=flight.pk)
        planned = set(flight.options.get("cuts", {}))
        failed_to_start = set(flight.options.get("failures", {}))
        jobs = flight.jobs.values_list("cut_id", "status")
        if any(status in GenerationJob.ACTIVE_STATUSES for _, status in jobs):
            return
        started = {str(cut_id) for cut_id, _ in jobs}
        if planned <= started | failed_to_start:
            Flight.objects.filter(pk=flight.pk, status=Flight.Status.RUNNING).update(
                status=Flight.Status.FINISHED, finished_at=timezone.now()
            )


@dataclass(frozen=True)
class CutProgress:
    arrived: int
    failed: int
    total: int


def cut_progress(*, cuts: list[Cut]) -> dict[int, CutProgress]:
    """Images so far of each generating cut's unfinished jobs, for the storyboard's cut list."""
    active = GenerationJob.objects.filter(
        cut__in=cuts, kind=GenerationJob.Kind.IMAGES, status__in=GenerationJob.ACTIVE_STATUSES
    )
    counts_by_cut = candidate_counts(active, by="job__cut_id")
    return {cut_id: progress_of(counts) for cut_id, counts in counts_by_cut.items()}


def progress_from_rows(candidate_rows) -> CutProgress | None:
    """The same figure from one cut's (job, job status, slot, status) candidate rows, as
    keyframes.canvas.canvas_state reads them; None when no job is unfinished."""
    active = [row[3] for row in candidate_rows if row[1] in GenerationJob.ACTIVE_STATUSES]
    return progress_of(Counter(active)) if active else None


def progress_of(counts: dict[str, int]) -> CutProgress:
    return CutProgress(
        arrived=counts.get(Candidate.Status.SUCCEEDED, 0),
        failed=counts.get(Candidate.Status.FAILED, 0),
        total=sum(counts.values()),
    )


def candidate_counts(jobs, *, by: str) -> dict[int, dict[str, int]]:
    rows = (
        Candidate.objects.filter(job__in=jobs)
        .values(by, "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = defaultdict(dict)
    for row in rows:
        counts[row[by]][row["status"]] = row["n"]
    return counts
