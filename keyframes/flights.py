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

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError

from characters.references import resolve_references
from credits.services import balance_of
from keyframes.generation import plan_generation
from keyframes.model_choice import choose_model
from keyframes.models import Flight, GenerationJob
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
    select_first: bool = False,
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
        options={
            "model_key": model_key,
            "count": count,
            "include_done": include_done,
            "select_first": select_first,
        },
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
        cut__project=project,
        kind=GenerationJob.Kind.IMAGES,  # a take on its way leaves the keyframes alone
        status__in=GenerationJob.ACTIVE_STATUSES,
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
        select_first=options.get("select_first", False),
    )


def unfinished_flights(*, project: Project):
    return project.flights.filter(status=Flight.Status.RUNNING)
