"""The offline breakdown: deterministic rules over the script's beats, no AI.

Scene headings become locations, character cues become characters, each action paragraph and
each speech becomes one cut. The same script and assets always give the same breakdown.
"""

import re

from keyframes.breakdown.linking import (
    DESCRIPTION_MAX_CHARS,
    KnownAsset,
    cue_name,
    derive_handle,
    implied_shot_size,
    readable_name,
    shorten,
)
from keyframes.breakdown.proposal import Breakdown, ProposedAsset, ProposedCut
from keyframes.breakdown.reading import Beat

OFFLINE_WRITER = "offline"
_HEADING_PREFIX_RE = re.compile(r"^(?:\.|(?:int\.?/ext|i/e|int|ext|est)\.?\s+)", re.IGNORECASE)
_HEADING_DETAIL_WORDS = {
    "int": "Interior",
    "ext": "Exterior",
    "est": "Establishing view",
    "i/e": "Interior and exterior",
    "int./ext": "Interior and exterior",
    "int/ext": "Interior and exterior",
}
_SENTENCE_RE = re.compile(r"[^.!?。！？]+[.!?。！？]*")


class _Cast:
    """The assets a breakdown can mention: the project's, then those it proposes."""

    def __init__(self, existing: list[KnownAsset]) -> None:
        self.known: dict[str, KnownAsset] = {}
        for asset in existing:
            self._remember(asset)
        self.taken = [asset.handle for asset in existing]
        self.proposed: list[ProposedAsset] = []
        self.described: set[str] = set()

    def _remember(self, asset: KnownAsset) -> None:
        for term in (asset.handle, asset.name):
            self.known.setdefault(term.strip().casefold(), asset)

    def find_or_propose(self, *, kind: str, name: str, description: str = "") -> KnownAsset:
        found = self.known.get(name.casefold())
        if found is not None:
            return found
        handle = derive_handle(name, taken=self.taken, fallback=kind.title())
        self.taken.append(handle)
        asset = KnownAsset(handle=handle, name=name, kind=kind)
        self._remember(asset)
        self.proposed.append(
            ProposedAsset(kind=kind, name=name, handle=handle, description=description)
        )
        return asset

    def add_description(self, handle: str, text: str) -> None:
        """Adds to a proposed asset's description, once: the first text found describes it."""
        if handle in self.described:
            return
        self.described.add(handle)
        for index, asset in enumerate(self.proposed):
            if asset.handle == handle:
                description = shorten(f"{asset.description} {text}", DESCRIPTION_MAX_CHARS)
                self.proposed[index] = asset.model_copy(update={"description": description})


def write_offline_breakdown(beats: list[Beat], *, existing: list[KnownAsset]) -> Breakdown:
    cast = _Cast(existing)
    cuts: list[ProposedCut] = []
    location: KnownAsset | None = None
    first_lines: dict[str, str] = {}  # character handle → the first line it speaks
    for beat in beats:
        if beat.kind == "scene":
            place, detail = split_heading(beat.text)
            location = cast.find_or_propose(kind="location", name=place, description=detail)
            continue
        if beat.kind == "dialogue":
            speaker = cast.find_or_propose(kind="character", name=cue_name(beat.speaker))
            first_lines.setdefault(speaker.handle, beat.text)
            script = _speech(speaker.handle, beat)
        else:
            script = beat.text
        if location is not None:
            if beat.kind == "action":
                cast.add_description(location.handle, beat.text)
            script = f"{script} At @{location.handle}."
        cuts.append(
            ProposedCut(
                script=script, shot_size=implied_shot_size(f"{beat.text} {beat.parenthetical}")
            )
        )
    actions = [beat.text for beat in beats if beat.kind == "action"]
    for proposed in list(cast.proposed):
        if proposed.kind == "character":
            sentence = _first_sentence_naming(proposed.name, actions)
            line = first_lines.get(proposed.handle)
            cast.add_description(proposed.handle, sentence or (f"Says: “{line}”" if line else ""))
    return Breakdown(cuts=cuts, new_assets=cast.proposed, writer=OFFLINE_WRITER)


def split_heading(heading: str) -> tuple[str, str]:
    """ "INT. CAFE - DAY" → ("Cafe", "Interior, day.")."""
    prefix_match = _HEADING_PREFIX_RE.match(heading)
    prefix = prefix_match.group(0).strip().rstrip(".").lower() if prefix_match else ""
    rest = heading[prefix_match.end() :] if prefix_match else heading
    place, _, time = (part.strip() for part in rest.partition(" - "))
    details = [_HEADING_DETAIL_WORDS.get(prefix, ""), time.lower()]
    detail = ", ".join(word for word in details if word)
    return readable_name(place or heading), f"{detail[:1].upper()}{detail[1:]}." if detail else ""


def _speech(handle: str, beat: Beat) -> str:
    aside = f" {beat.parenthetical}" if beat.parenthetical else ""
    return f"@{handle}{aside}: “{beat.text}”"


def _first_sentence_naming(name: str, paragraphs: list[str]) -> str:
    key = name.casefold()
    for paragraph in paragraphs:
        for sentence in _SENTENCE_RE.findall(paragraph):
            if key in sentence.casefold():
                return sentence.strip()
    return ""
