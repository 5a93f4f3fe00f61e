"""Which image model a cut uses, and which models a creator may pick."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from keyframes.providers.registry import (
    DEFAULT_MODEL_KEY,
    LOCAL_DRAFT_KEY,
    MODELS,
    ModelSpec,
    UnknownModel,
    get_model,
    unavailable_reason,
)
from projects.models import Cut, Project

# The preset's best model for a cut: (when characters are mentioned, otherwise).
TIER_PICKS = {
    "fast": ("flux-2-turbo", "flux-2-flash"),
    "standard": ("instant-character", DEFAULT_MODEL_KEY),
    "premium": ("flux-2-flex", "flux-2-flex"),
}
CONSISTENCY_RANK = {"strong": 0, "medium": 1, "weak": 2, "none": 3}


@dataclass(frozen=True)
class ModelChoice:
    spec: ModelSpec
    automatic: bool
    reason: str  # shown before generating: why this model


# What a creator is told of a model whose provider has no key; what the operator must set
# (unavailable_reason) is shown in the admin only.
NOT_SET_UP = "not set up on this site"


@dataclass(frozen=True)
class ModelOption:
    spec: ModelSpec
    unavailable: str  # empty when the model can be used, else the operator's reason

    @property
    def choice_label(self) -> str:
        """What the model list says of it: "Flux 2 Pro · 5 credits/image · medium
        consistency", and why it cannot be chosen when it cannot."""
        spec = self.spec
        plural = "" if spec.credits_per_image == 1 else "s"
        label = (
            f"{spec.label} · {spec.credits_per_image} credit{plural}/image"
            f" · {spec.consistency} consistency"
        )
        return f"{label} · unavailable: {NOT_SET_UP}" if self.unavailable else label


def allowed_models(project: Project) -> list[ModelSpec]:
    """The project's tier, plus the offline draft model that always works."""
    tier = [spec for spec in MODELS.values() if spec.tier == project.quality_preset]
    tier.sort(key=lambda spec: (spec.credits_per_image, spec.label))
    # The draft model comes last in every tier, its own included.
    return [spec for spec in tier if spec.key != LOCAL_DRAFT_KEY] + [MODELS[LOCAL_DRAFT_KEY]]


def move_cuts_into_tier(*, project: Project) -> int:
    """After a preset change, cuts whose model left the tier go back to the tier's default
    (the empty choice), so Generate never fails on a tier error; returns how many moved."""
    allowed = [spec.key for spec in allowed_models(project)]
    return project.cuts.exclude(model="").exclude(model__in=allowed).update(model="")


def model_options(project: Project) -> list[ModelOption]:
    return [ModelOption(spec, unavailable_reason(spec)) for spec in allowed_models(project)]


def choose_model(*, cut: Cut, requested: str = "", has_characters: bool = False) -> ModelChoice:
    """The requested model, else the cut's, else the project's default, else automatic."""
    key = requested or cut.model or cut.project.default_model
    if key:
        return ModelChoice(check_model(project=cut.project, key=key), False, "Chosen for this cut")
    return automatic_choice(cut.project, has_characters=has_characters)


def check_model(*, project: Project, key: str) -> ModelSpec:
    try:
        spec = get_model(key)
    except UnknownModel as exc:
        raise ValidationError({"model": f"There is no model called “{key}”."}) from exc
    if spec not in allowed_models(project):
        raise ValidationError(
            {"model": f"{spec.label} is not in this project's {project.quality_preset} tier."}
        )
    if unavailable_reason(spec):
        message = f"{spec.label} is unavailable here: it is {NOT_SET_UP}. Choose another model."
        raise ValidationError({"model": message})
    return spec


def automatic_choice(project: Project, *, has_characters: bool) -> ModelChoice:
    with_characters, otherwise = TIER_PICKS[project.quality_preset]
    preferred = MODELS[with_characters if has_characters else otherwise]
    candidates = [preferred] + sorted(
        (spec for spec in allowed_models(project) if spec.key != LOCAL_DRAFT_KEY),
        key=lambda spec: (
            CONSISTENCY_RANK[spec.consistency] if has_characters else 0,
            spec.credits_per_image,
        ),
    )
    for spec in candidates:
        if not unavailable_reason(spec):
            why = "strong character consistency" if has_characters else "the tier's default"
            return ModelChoice(spec, True, f"Automatic: {why}")
    fallback = MODELS[settings.FALLBACK_MODEL_KEY]
    return ModelChoice(fallback, True, "Automatic: no image provider is configured, so drafts")
