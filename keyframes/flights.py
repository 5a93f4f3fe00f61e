"""Shot plans and Auto-Flight: keyframes for many cuts of a storyboard in one go.

A shot plan says, per selected cut, what a flight will do and what it costs; nothing is spent
while planning. Launching writes the missing prompts, then starts one generation job per cut,
each with an idempotency key made of the flight and the cut, so running a launch twice never
charges a cut twice.

A crash (the launching process dies, or its machine) leaves the flight "running" with some of
its cuts never started. ``resume_flight`` re-plans that flight with its own options and only
the cuts that still have no keyframes from it: a cut whose job from this flight is still
queued or running is left to that job, and a cut whose job ended without an image (refunded)
gets a new attempt under a new key.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from characters.references import resolve_references
from credits.services import InsufficientCredits, balance_of
from keyframes.generation import plan_generation, start_generation
from keyframes.model_choice import choose_model
from keyframes.models import Candidate, Flight, GenerationJob
from keyframes.prompting import write_missing_prompts
from keyframes.providers.prompt_writers import WrittenPrompt
from keyframes.providers.registry import ModelSpec
from projects.models import Cut, Project


class FlightRefused(Exception):
    """The plan cannot be launched; ``reasons`` are plain sentences for the creator."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class CutPlan:
    cut: Cut
    number: int  # the 1-based position shown to creators
    skip_reason: str = ""  # set when the flight leaves this cut alone
    writes_prompt: bool = False
    prompt: str = ""  # what the plan was checked with: the prompt, else the script
    model: ModelSpec | None = None
    model_reason: str = ""
    count: int = 0
    references: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def runs(self) -> bool:
        return not self.skip_reason

    @property
    def credits(self) -> int:
        if not self.runs or self.model is None:
            return 0
        return self.model.credits_per_image * self.count


@dataclass(frozen=True)
class ShotPlan:
    project: Project
    user: object
    cuts: tuple[CutPlan, ...]
    balance: int
    budget: int | None = None
    options: dict = field(default_factory=dict)
    selection_problems: tuple[str, ...] = ()  # e.g. a cut number the storyboard does not have
    resuming: Flight | None = None

    @property
    def to_run(self) -> list[CutPlan]:
        return [each for each in self.cuts if each.runs]

    @property
    def total(self) -> int:
        return sum(each.credits for each in self.cuts)

    @property
    def short_of_credits(self) -> bool:
        return self.total > self.balance

    @property
    def problems(self) -> list[str]:
        per_cut = [
            f"Cut {each.number}: {problem}" for each in self.to_run for problem in each.problems
        ]
        return list(self.selection_problems) + per_cut

    @property
    def refusals(self) -> list[str]:
        """Why the plan cannot be launched; empty when it can."""
        reasons = self.problems
        if not self.to_run and not self.selection_problems:
            reasons.append("There is nothing to generate: every selected cut is skipped.")
        if self.budget is not None and self.total > self.budget:
            reasons.append(
                f"The plan costs {self.total} credits, over the budget of {self.budget}."
            )
        if self.short_of_credits:
            reasons.append(
                f"The plan costs {self.total} credits and the balance is {self.balance}."
            )
        return reasons


# --- Planning --------------------------------------------------------------------------------


def plan_flight(
    *,
    project: Project,
    user,
    cut_numbers: list[int] | None = None,
    model_key: str = "",
    count: int | None = None,
    include_done: bool = False,
    budget: int | None = None,
    resuming: Flight | None = None,
) -> ShotPlan:
    """What a flight over the selected cuts (all when ``cut_numbers`` is empty) would do and
    cost. Checks everything a launch checks; spends nothing."""
    numbered = list(enumerate(project.cuts.select_related("representative"), start=1))
    selection_problems = []
    if resuming is not None:
        planned = {int(pk) for pk in resuming.options.get("cuts", {})}
        numbered = [(number, cut) for number, cut in numbered if cut.pk in planned]
    elif cut_numbers:
        known = {number for number, _ in numbered}
        missing = sorted(set(cut_numbers) - known)
        if missing:
            listed = ", ".join(str(number) for number in missing)
            selection_problems.append(
                f"The storyboard has {len(numbered)} cuts; there is no cut {listed}."
            )
        numbered = [(number, cut) for number, cut in numbered if number in set(cut_numbers)]
    busy = dict.fromkeys(generating_cut_ids(project), "It is generating right now.")
    if resuming is not None:
        done = cuts_with_keyframes_from(resuming)
        busy |= dict.fromkeys(done, "Already has keyframes from this flight.")
    cuts = []
    for number, cut in numbered:
        skip = busy.get(cut.pk, "")
        if not skip and cut.representative_id and not include_done and resuming is None:
            skip = "Already has a representative keyframe."
        if skip:
            cuts.append(CutPlan(cut=cut, number=number, skip_reason=skip))
        else:
            cuts.append(plan_cut(cut=cut, number=number, model_key=model_key, count=count))
    return ShotPlan(
        project=project,
        user=user,
        cuts=tuple(cuts),
        balance=balance_of(user=user),
        budget=budget,
        options={"model_key": model_key, "count": count, "include_done": include_done},
        selection_problems=tuple(selection_problems),
        resuming=resuming,
    )


def plan_cut(*, cut: Cut, number: int, model_key: str, count: int | None) -> CutPlan:
    count = count or cut.candidate_count
    writes_prompt = not cut.prompt.strip()
    # A missing prompt is planned with the script: the writer keeps the script's mentions, so
    # the references, the problems and the automatic model come out the same.
    prompt = (cut.script.strip() if writes_prompt else cut.prompt.strip())[
        : settings.PROMPT_MAX_CHARS
    ]
    plan = CutPlan(cut=cut, number=number, writes_prompt=writes_prompt, prompt=prompt, count=count)
    if not prompt:
        return replace(plan, problems=("It has neither a prompt nor a script.",))
    try:
        generation = plan_generation(cut=cut, prompt=prompt, count=count, model_key=model_key)
    except ValidationError as exc:
        return best_effort_plan(plan, model_key=model_key, problems=tuple(exc.messages))
    return replace(
        plan,
        model=generation.spec,
        model_reason=generation.model_reason,
        references=tuple(entry.label for entry in generation.sent),
        dropped=tuple(entry.label for entry in generation.dropped),
    )


def best_effort_plan(plan: CutPlan, *, model_key: str, problems: tuple[str, ...]) -> CutPlan:
    """A cut with problems still shows what it would use and cost once they are fixed."""
    references = resolve_references(cut=plan.cut, prompt=plan.prompt)
    has_characters = references.has_characters
    try:
        choice = choose_model(cut=plan.cut, requested=model_key, has_characters=has_characters)
    except ValidationError:
        return replace(plan, problems=problems)
    sent, dropped = references.for_model(choice.spec.max_references)
    return replace(
        plan,
        model=choice.spec,
        model_reason=choice.reason,
        references=tuple(entry.label for entry in sent),
        dropped=tuple(entry.label for entry in dropped),
        problems=problems,
    )


def cuts_with_keyframes_from(flight: Flight) -> set[int]:
    jobs = flight.jobs.filter(keyframes__isnull=False)
    return set(jobs.values_list("cut_id", flat=True))


def generating_cut_ids(project: Project) -> set[int]:
    jobs = GenerationJob.objects.filter(
        cut__project=project, status__in=GenerationJob.ACTIVE_STATUSES
    )
    return set(jobs.values_list("cut_id", flat=True))


def resume_flight(*, flight: Flight, budget: int | None = None) -> ShotPlan:
    """The plan that finishes an interrupted flight: its cuts still without keyframes from
    it, with the flight's own model and count options and the same payer."""
    options = flight.options
    return plan_flight(
        project=flight.project,
        user=flight.user,
        model_key=options.get("model_key", ""),
        count=options.get("count"),
        budget=budget,
        resuming=flight,
    )


def unfinished_flights(*, project: Project):
    return project.flights.filter(status=Flight.Status.RUNNING)


# --- Launching -------------------------------------------------------------------------------


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


# --- Progress --------------------------------------------------------------------------------


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
    def jobs_running(self) -> bool:
        return any(outcome.status in GenerationJob.ACTIVE_STATUSES for outcome in self.outcomes)

    @property
    def all_succeeded(self) -> bool:
        return all(outcome.succeeded for outcome in self.outcomes)


def flight_progress(*, flight: Flight) -> FlightProgress:
    """Per planned cut: its images so far and its credits, from the jobs of this flight."""
    settle_flight(flight=flight)
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
    could not start. A flight with cuts never started stays running, so it can be resumed."""
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
    active = GenerationJob.objects.filter(cut__in=cuts, status__in=GenerationJob.ACTIVE_STATUSES)
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
