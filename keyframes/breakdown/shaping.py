"""The last step of either writer: a breakdown whose handles are valid and free, whose cuts
mention every asset they name, and whose cut scripts fit a cut."""

import re

from django.conf import settings

from keyframes.breakdown.linking import (
    DESCRIPTION_MAX_CHARS,
    NAME_MAX_CHARS,
    KnownAsset,
    derive_handle,
    mention_linker,
    rewrite_mentions,
    shorten,
)
from keyframes.breakdown.proposal import Breakdown, ProposedAsset, ProposedCut

_SENTENCE_END_RE = re.compile(r"(?<=[.!?。！？”])\s+")


def settle_breakdown(breakdown: Breakdown, *, existing: list[KnownAsset]) -> Breakdown:
    known = {term.casefold(): asset for asset in existing for term in (asset.handle, asset.name)}
    taken = [asset.handle for asset in existing]
    changes: dict[str, str | None] = {}
    new_assets: list[ProposedAsset] = []
    for proposed in breakdown.new_assets:
        name = shorten(proposed.name, NAME_MAX_CHARS) or proposed.handle
        same = known.get(name.casefold()) or known.get(proposed.handle.casefold())
        if same is not None:  # the project (or this breakdown) already has it
            changes.setdefault(proposed.handle.casefold(), same.handle)
            continue
        handle = derive_handle(proposed.handle or name, taken=taken, fallback=proposed.kind.title())
        if proposed.handle and handle != proposed.handle:
            changes.setdefault(proposed.handle.casefold(), handle)
        taken.append(handle)
        asset = KnownAsset(handle=handle, name=name, kind=proposed.kind)
        for term in (handle, name):
            known.setdefault(term.casefold(), asset)
        new_assets.append(
            ProposedAsset(
                kind=proposed.kind,
                name=name,
                handle=handle,
                description=shorten(proposed.description, DESCRIPTION_MAX_CHARS),
            )
        )
    everyone = [*existing, *(KnownAsset(a.handle, a.name, a.kind) for a in new_assets)]
    link = mention_linker(everyone)
    cuts = []
    for cut in breakdown.cuts:
        script = link(rewrite_mentions(cut.script.strip(), changes))
        for piece in pieces_within(script, settings.SCRIPT_MAX_CHARS):
            cuts.append(ProposedCut(script=piece, shot_size=cut.shot_size))
    return breakdown.model_copy(update={"cuts": cuts, "new_assets": new_assets})


def pieces_within(text: str, limit: int) -> list[str]:
    """The text cut at sentence ends into pieces of at most ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces, current = [], ""
    for sentence in _SENTENCE_END_RE.split(text):
        while len(sentence) > limit:  # one sentence longer than a cut: cut it at a space
            head = sentence[:limit].rsplit(" ", 1)[0] or sentence[:limit]
            pieces.append(head.strip())
            sentence = sentence[len(head) :].strip()
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces
