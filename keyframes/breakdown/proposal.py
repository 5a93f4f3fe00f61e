"""The shape both breakdown writers return: proposed cuts and proposed new assets."""

from typing import Literal

import pydantic

ShotSizeOrNone = Literal[
    "",
    "extreme_wide",
    "wide",
    "full",
    "medium",
    "medium_close_up",
    "close_up",
    "extreme_close_up",
]
AssetKind = Literal["character", "location"]


class ProposedAsset(pydantic.BaseModel):
    kind: AssetKind
    name: str = pydantic.Field(description="The name as the script writes it.")
    handle: str = pydantic.Field(
        description="A mention id: letters, digits and underscores, starting with a letter."
    )
    description: str = pydantic.Field(description="How the script describes it, briefly.")


class ProposedCut(pydantic.BaseModel):
    script: str = pydantic.Field(
        description="One beat or shot, with @handle mentions of the characters and locations."
    )
    shot_size: ShotSizeOrNone = pydantic.Field(
        default="", description="The shot size the text implies, or empty when it implies none."
    )


class BreakdownDraft(pydantic.BaseModel):
    """What a writer proposes; also the JSON schema Gemini answers with."""

    cuts: list[ProposedCut] = pydantic.Field(description="The cuts in script order.")
    new_assets: list[ProposedAsset] = pydantic.Field(
        default=[], description="Characters and locations the script names that are not known."
    )


class Breakdown(BreakdownDraft):
    writer: str = ""  # the Gemini model id, or "offline"
    notice: str = ""  # a plain sentence for the creator when the offline writer stood in

    def assets_of_kind(self, kind: str) -> list[ProposedAsset]:
        return [asset for asset in self.new_assets if asset.kind == kind]
