"""The creator's review of a proposed breakdown: rows edited, dropped or merged, assets renamed
or left out. The result is the breakdown to write; nothing here touches the database."""

from dataclasses import dataclass

from keyframes.breakdown.linking import rewrite_mentions
from keyframes.breakdown.proposal import Breakdown, ProposedAsset, ProposedCut


@dataclass(frozen=True)
class CutRow:
    script: str
    shot_size: str = ""
    keep: bool = True
    merge: bool = False  # into the kept cut above


@dataclass(frozen=True)
class AssetRow:
    kind: str
    name: str
    handle: str
    description: str
    proposed_handle: str  # the handle the cut scripts were written with
    create: bool = True


def reviewed_breakdown(
    *, cut_rows: list[CutRow], asset_rows: list[AssetRow], writer: str = ""
) -> Breakdown:
    """Kept rows in order, each merged row joined to the kept cut above it; mentions of a
    renamed asset follow its new handle, and those of a left-out asset lose their @."""
    changes: dict[str, str | None] = {}
    for row in asset_rows:
        if not row.create:
            changes[row.proposed_handle.casefold()] = None
        elif row.handle != row.proposed_handle:
            changes[row.proposed_handle.casefold()] = row.handle
    cuts: list[ProposedCut] = []
    for row in cut_rows:
        script = rewrite_mentions(row.script.strip(), changes)
        if not row.keep or not script:
            continue
        if row.merge and cuts:
            above = cuts[-1]
            cuts[-1] = ProposedCut(
                script=f"{above.script}\n{script}", shot_size=above.shot_size or row.shot_size
            )
        else:
            cuts.append(ProposedCut(script=script, shot_size=row.shot_size))
    assets = [
        ProposedAsset(kind=row.kind, name=row.name, handle=row.handle, description=row.description)
        for row in asset_rows
        if row.create
    ]
    return Breakdown(cuts=cuts, new_assets=assets, writer=writer)
