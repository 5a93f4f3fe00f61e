"""The Generate controls: which models a cut may use, what the button will do and cost."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from characters.references import ReferenceEntry, resolve_references
from credits.estimates import estimate
from keyframes.canvas import image_jobs
from keyframes.generation import plan_generation, start_generation
from keyframes.model_choice import ModelOption, allowed_models, automatic_choice, model_options
from keyframes.models import GenerationJob
from keyframes.providers.registry import MODELS, ModelSpec, route_for
from projects.models import Cut
from projects.services import update_cut_text

TIER_ORDER = ("fast", "standard", "premium")


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
    served_model: str  # the provider's id for it (keys stay; ids change as models retire)
    cost_text: str
    dropped: list[ReferenceEntry]
    negative_ignored: bool
    problems: dict[str, list[str]]  # why pressing Generate would fail now, by field
    regenerate: bool

    def version(self) -> tuple:
        """Plain values of everything the controls show: their cached HTML's version."""
        spec = self.spec
        options = (
            (
                group.tier,
                tuple(
                    (each.spec.key, each.choice_label, each.unavailable) for each in group.options
                ),
            )
            for group in self.groups
        )
        return (
            tuple(options),
            self.default_label,
            self.model_key,
            self.count,
            (spec.key, spec.label, spec.tier, spec.consistency, spec.max_references),
            self.served_model,
            self.cost_text,
            tuple(entry.label for entry in self.dropped),
            self.negative_ignored,
            tuple((field, tuple(messages)) for field, messages in self.problems.items()),
            self.regenerate,
        )


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
        served_model=route_for(spec).endpoint.partition(":")[0],
        cost_text=estimate(credits_per_image=spec.credits_per_image, count=count).text,
        dropped=plan.dropped if plan else [],
        negative_ignored=bool(cut.negative_prompt.strip()) and not spec.supports_negative_prompt,
        problems=problems,
        regenerate=image_jobs(cut).exists() if has_jobs is None else has_jobs,
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
    expected_model: str = "",
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
        expected_model=expected_model,
    )
    remember_generation_choice(cut=cut, model_key=model_key, count=count)
    return job


def choose_generation(*, cut: Cut, model: str, count: int) -> None:
    """Keeps the creator's pick of model and count for this cut. A model outside the
    project's tier is refused; one that is unavailable right now may still be kept."""
    if model:
        allowed = {spec.key for spec in allowed_models(cut.project)}
        if model not in allowed:
            raise ValidationError({"model": "That model is not in this project's tier."})
    remember_generation_choice(cut=cut, model_key=model, count=count)


def remember_generation_choice(*, cut: Cut, model_key: str, count: int) -> None:
    """The next visit (and Regenerate) starts from the model and count used last."""
    Cut.objects.filter(pk=cut.pk).update(model=model_key, candidate_count=count)
    cut.model, cut.candidate_count = model_key, count
