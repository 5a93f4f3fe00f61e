"""The reference panel of a cut: the images a prompt would send, in order, as cards the
creator can reorder, swap to another variation or remove, and the model's limit on them.

The order itself is ``characters.references.resolve_references``; this module only shows it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from characters.models import Asset, Variation
from characters.references import (
    ReferenceEntry,
    ReferenceList,
    resolve_references,
    variation_for_cut,
)
from keyframes.model_choice import choose_model
from keyframes.models import AdditionalReference
from keyframes.providers.registry import ModelSpec, UnknownModel, get_model
from projects.models import Cut


@dataclass(frozen=True)
class ReferenceCard:
    """One card of the reference panel: an entry and what this model does with it."""

    entry: ReferenceEntry
    number: int | None  # place among the images sent; None when the entry has no image
    dropped: bool
    default_option_label: str = ""  # "Casual (default)": the choice that clears an override
    variations: tuple[Variation, ...] = ()
    can_move_earlier: bool = False
    can_move_later: bool = False


def reference_panel_context(
    *,
    cut: Cut,
    prompt: str,
    model_max_references: int | None = None,
    model_label: str = "",
    references: ReferenceList | None = None,
) -> dict:
    """What ``keyframes/reference_panel.html`` shows for ``prompt`` in ``cut``; pass
    ``references`` when the caller has already resolved them."""
    if references is None:
        references = resolve_references(cut=cut, prompt=prompt)
    sent, dropped = references.for_model(model_max_references)
    additional_count = sum(1 for entry in references.entries if entry.role == "additional")
    return {
        "panel": True,
        "cut": cut,
        "project": cut.project,
        "prompt": prompt,
        "references": references,
        "cards": _reference_cards(references, dropped=dropped, additional_count=additional_count),
        "sent_count": len(sent),
        "dropped_count": len(dropped),
        "model_max_references": model_max_references,
        "model_label": model_label,
        "additional_count": additional_count,
        "max_additional": AdditionalReference.MAX_PER_CUT,
        "can_add_additional": additional_count < AdditionalReference.MAX_PER_CUT,
        "continuity_keyframes": _continuity_keyframes(cut),
    }


def _reference_cards(
    references: ReferenceList, *, dropped: list[ReferenceEntry], additional_count: int
) -> list[ReferenceCard]:
    numbers = {id(entry): number for number, entry in enumerate(references.images, start=1)}
    dropped_ids = {id(entry) for entry in dropped}
    cards = []
    for entry in references.entries:
        place = entry.additional_reference.position if entry.additional_reference else None
        cards.append(
            ReferenceCard(
                entry=entry,
                number=numbers.get(id(entry)),
                dropped=id(entry) in dropped_ids,
                can_move_earlier=place is not None and place > 0,
                can_move_later=place is not None and place < additional_count - 1,
                **_variation_choices(entry.asset),
            )
        )
    return cards


def _continuity_keyframes(cut: Cut) -> list:
    """The chosen keyframes of the project's other cuts, offered as references: the previous
    cut's first (a scene that returns to a place reuses its last frame), then nearest first."""
    ordered_ids = list(cut.project.cuts.values_list("pk", flat=True))
    numbers = {pk: number for number, pk in enumerate(ordered_ids, start=1)}
    here = numbers.get(cut.pk, 0)
    cuts = (
        cut.project.cuts.exclude(pk=cut.pk)
        .filter(representative__isnull=False)
        .select_related("representative")
    )
    keyframes = []
    for each in sorted(cuts, key=lambda c: (numbers[c.pk] > here, abs(numbers[c.pk] - here))):
        each.representative.cut_number = numbers[each.pk]
        keyframes.append(each.representative)
    return keyframes


def _variation_choices(asset: Asset | None) -> dict:
    if asset is None:
        return {}
    default = variation_for_cut(asset, override_id=None)
    name = default.name if default else ""
    # The default is the first choice; listing it again under its name showed it twice.
    others = tuple(each for each in asset.variations.all() if default is None or each != default)
    return {
        "default_option_label": name if name.casefold() == "default" else f"{name} (default)",
        "variations": others,
    }


def panel_model(*, cut: Cut, model_key: str, has_characters: bool) -> ModelSpec | None:
    """The model the Generate form would use with ``model_key``, whose reference limit the
    reference panel shows; None for a key no model has."""
    try:
        return choose_model(cut=cut, requested=model_key, has_characters=has_characters).spec
    except ValidationError:
        # Not usable right now (no key, other tier): still say what it would receive.
        try:
            return get_model(model_key or cut.model or cut.project.default_model)
        except UnknownModel:
            return None
