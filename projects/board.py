"""The board: every cut of a storyboard as a card, in order, for checking the story's flow.

Four queries whatever the number of cuts: the cuts with their representatives, the credits
keyframes reports for them, (only when a script mentions someone) the project's names, and
(only when a cut has a representative) the representatives' face-match verdicts.
"""

from dataclasses import dataclass, field

from projects.models import Cut, Project
from projects.signals import FaceVerdict, answers, cut_credits_wanted, face_verdicts, named_texts

SCRIPT_LINES = 3
SCRIPT_CHARS = 160


@dataclass(frozen=True)
class Card:
    cut: Cut
    number: int
    script: str  # the first lines, mentions shown as names
    credits: int
    faces: list[FaceVerdict] = field(default_factory=list)  # the representative's

    @property
    def shot(self) -> list[str]:
        cut = self.cut
        chosen = [
            (cut.shot_size, cut.get_shot_size_display),
            (cut.camera_angle, cut.get_camera_angle_display),
            (cut.camera_movement, cut.get_camera_movement_display),
        ]
        return [display() for value, display in chosen if value]


def board_cards(project: Project) -> list[Card]:
    cuts = list(project.cuts.select_related("representative"))
    scripts = named_texts(project, {cut.pk: opening(cut.script) for cut in cuts})
    spent = {}
    if cuts:
        for answer in answers(cut_credits_wanted, cut_ids=[cut.pk for cut in cuts]):
            spent |= answer
    faces = face_verdicts([cut.representative_id for cut in cuts if cut.representative_id])
    cards = []
    for number, cut in enumerate(cuts, start=1):
        cut.display_number = number
        card_faces = faces.get(cut.representative_id, [])
        cards.append(Card(cut, number, scripts[cut.pk], spent.get(cut.pk, 0), card_faces))
    return cards


def opening(script: str) -> str:
    """The script's first few non-empty lines, cut short when long."""
    lines = [line.strip() for line in script.splitlines() if line.strip()][:SCRIPT_LINES]
    text = "\n".join(lines)
    return text if len(text) <= SCRIPT_CHARS else text[: SCRIPT_CHARS - 1].rstrip() + "…"
