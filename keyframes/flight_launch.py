"""Launching an Auto-Flight: record its plan, write the missing prompts, start one job per cut."""

from django.core.exceptions import ValidationError
from django.db import transaction

from credits.services import InsufficientCredits
from keyframes.flight_progress import settle_flight
from keyframes.flights import CutPlan, FlightRefused, ShotPlan
from keyframes.generation import start_generation
from keyframes.models import Flight, GenerationJob
from keyframes.prompting import write_missing_prompts
from keyframes.providers.prompt_writers import WrittenPrompt
from projects.models import Cut, Project


def launch_flight(*, plan: ShotPlan, launch_key: str = "") -> Flight:
    """Writes the missing prompts and starts one job per planned cut. Raises FlightRefused
    when the plan has problems or costs more than the budget or the balance. A repeated
    ``launch_key`` (a double-submitted form) gives back the first flight."""
    if launch_key and plan.resuming is None:
        earlier = plan.project.flights.filter(options__launch_key=launch_key).first()
        if earlier is not None:
            return earlier
    refusals = plan.refusals
    if refusals:
        raise FlightRefused(refusals)
    if plan.resuming is not None:
        flight = plan.resuming
    else:
        flight, created = create_flight(plan=plan, launch_key=launch_key)
        if not created:
            return flight
    record_planned_cuts(flight=flight, plan=plan)
    prompts, failures = write_prompts(plan=plan)
    for cut_plan in plan.to_run:
        cut = cut_plan.cut
        if cut.pk in failures:
            record_failure(flight=flight, cut=cut, message=failures[cut.pk])
            continue
        start_cut(flight=flight, cut_plan=cut_plan, prompt=prompts.get(cut.pk, cut.prompt))
    settle_flight(flight=flight)
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
        cuts[key] = {"model": cut_plan.model.key, "count": cut_plan.count}
        failures.pop(key, None)
    updates = {"options": options, "status": Flight.Status.RUNNING, "finished_at": None}
    if plan.resuming is not None:
        updates["credits_planned"] = flight.credits_planned + plan.total
    Flight.objects.filter(pk=flight.pk).update(**updates)
    flight.refresh_from_db()


def write_prompts(*, plan: ShotPlan) -> tuple[dict[int, str], dict[int, str]]:
    """(prompts, failures) by cut id for the cuts that had no prompt."""
    missing = [each.cut for each in plan.to_run if each.writes_prompt]
    prompts, failures = {}, {}
    if not missing:
        return prompts, failures
    for cut, outcome in write_missing_prompts(project=plan.project, cuts=missing):
        if isinstance(outcome, WrittenPrompt):
            prompts[cut.pk] = outcome.prompt
        elif cut.prompt.strip():
            prompts[cut.pk] = cut.prompt  # typed by hand while the writer ran: it wins
        else:
            failures[cut.pk] = f"The prompt could not be written: {outcome.user_message}"
    return prompts, failures


def start_cut(*, flight: Flight, cut_plan: CutPlan, prompt: str) -> GenerationJob | None:
    cut = cut_plan.cut
    try:
        return start_generation(
            cut=cut,
            user=flight.user,
            prompt=prompt,
            count=cut_plan.count,
            idempotency_key=flight_job_key(flight=flight, cut=cut),
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
