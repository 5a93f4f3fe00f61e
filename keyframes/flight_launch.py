"""Launching an Auto-Flight: record its plan and queue its launcher (keyframes.flight_dispatch),
which writes the missing prompts and starts one job per cut in a worker."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from credits.services import InsufficientCredits
from cutflow.task_queue import enqueue
from keyframes.flights import CutPlan, FlightRefused, ShotPlan
from keyframes.generation import start_generation
from keyframes.models import Flight, GenerationJob
from keyframes.prompting import WRITING_MESSAGE
from projects.models import Cut, Project


def launch_flight(*, plan: ShotPlan, launch_key: str = "") -> Flight:
    """Records the flight and queues its launcher, which writes the missing prompts and starts
    one job per planned cut. Raises FlightRefused when the plan has problems or costs more than
    the budget or the balance. A repeated ``launch_key`` (a double-submitted form) gives back
    the first flight."""
    if launch_key and plan.resuming is None:
        earlier = plan.project.flights.filter(options__launch_key=launch_key).first()
        if earlier is not None:
            return earlier
    refusals = plan.refusals
    if refusals:
        raise FlightRefused(refusals)
    with transaction.atomic():
        if plan.resuming is not None:
            flight = plan.resuming
        else:
            flight, created = create_flight(plan=plan, launch_key=launch_key)
            if not created:
                return flight
        record_planned_cuts(flight=flight, plan=plan)
        queue_launcher(flight=flight, plan=plan)
    flight.refresh_from_db()
    return flight


def create_flight(*, plan: ShotPlan, launch_key: str) -> tuple[Flight, bool]:
    with transaction.atomic():
        # The project lock serialises two submits of one form, so the second finds the first.
        Project.objects.select_for_update().get(pk=plan.project.pk)
        if launch_key:
            existing = plan.project.flights.filter(options__launch_key=launch_key).first()
            if existing is not None:
                return existing, False
        flight = Flight.objects.create(
            project=plan.project,
            user=plan.user,
            options=plan.options | {"launch_key": launch_key, "cuts": {}, "failures": {}},
            credits_planned=plan.total,
        )
    return flight, True


def record_planned_cuts(*, flight: Flight, plan: ShotPlan) -> None:
    """Stores what each cut is planned to use before any job starts, so a crash mid-launch
    leaves a flight that knows which cuts it still owes."""
    options = flight.options
    cuts = options.setdefault("cuts", {})
    failures = options.setdefault("failures", {})
    for cut_plan in plan.to_run:
        key = str(cut_plan.cut.pk)
        cuts[key] = {
            "model": cut_plan.model.key,
            "count": cut_plan.count,
            # Fixed now, so every run of the launcher charges this cut under the same key.
            "job_key": flight_job_key(flight=flight, cut=cut_plan.cut),
        }
        failures.pop(key, None)
    updates = {"options": options, "status": Flight.Status.RUNNING, "finished_at": None}
    if plan.resuming is not None:
        updates["credits_planned"] = flight.credits_planned + plan.total
    Flight.objects.filter(pk=flight.pk).update(**updates)
    flight.refresh_from_db()


def queue_launcher(*, flight: Flight, plan: ShotPlan) -> None:
    """Marks the prompts to write, so the editor and the flight page say so from the first
    second, and queues the launcher once the flight is committed."""
    writing = [each.cut.pk for each in plan.to_run if each.writes_prompt]
    now = timezone.now()
    Cut.objects.filter(pk__in=writing, prompt="").update(
        prompt_task=Cut.PromptTask.WRITING, prompt_task_message=WRITING_MESSAGE, updated_at=now
    )
    Flight.objects.filter(pk=flight.pk).update(launcher_seen_at=now)
    # Robust: the flight is committed by then; if the broker fails, the sweep queues it again.
    transaction.on_commit(partial(enqueue_launcher, flight.pk), robust=True)


def enqueue_launcher(flight_id: int) -> None:
    enqueue("keyframes.tasks.launch_flight_task", flight_id, task_name=f"flight-{flight_id}-launch")


def start_cut(
    *, flight: Flight, cut_plan: CutPlan, prompt: str, job_key: str
) -> GenerationJob | None:
    cut = cut_plan.cut
    try:
        return start_generation(
            cut=cut,
            user=flight.user,
            prompt=prompt,
            count=cut_plan.count,
            idempotency_key=job_key,
            negative_prompt=cut.negative_prompt,
            # The planned model, even when it was automatic: the written prompt must not
            # change what the creator agreed to pay.
            model_key=cut_plan.model.key,
            flight=flight,
        )
    except InsufficientCredits as exc:
        record_failure(flight=flight, cut=cut, message=exc.messages[0])
    except ValidationError as exc:
        record_failure(flight=flight, cut=cut, message=" ".join(exc.messages))
    return None


def flight_job_key(*, flight: Flight, cut: Cut) -> str:
    """The same for every re-run of one attempt; a new attempt only once the earlier jobs of
    this cut in this flight have ended without an image (and so were refunded)."""
    ended_empty = (GenerationJob.Status.FAILED, GenerationJob.Status.CANCELLED)
    attempt = flight.jobs.filter(cut=cut, status__in=ended_empty).count() + 1
    key = f"flight-{flight.pk}-cut-{cut.pk}"
    return key if attempt == 1 else f"{key}-try-{attempt}"


def record_failure(*, flight: Flight, cut: Cut, message: str) -> None:
    with transaction.atomic():
        locked = Flight.objects.select_for_update().get(pk=flight.pk)
        locked.options.setdefault("failures", {})[str(cut.pk)] = message[:300]
        Flight.objects.filter(pk=flight.pk).update(options=locked.options)
