"""Reading a script: the bytes of an upload or a paste become checked text, then beats.

Fountain (the screenwriting plain-text format) is parsed with screenplain; other text is read
as prose, one beat per paragraph. Nothing here touches the database.
"""

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from screenplain.parsers import fountain
from screenplain.types import Action, Dialog, DualDialog, Slug

FOUNTAIN_EXTENSIONS = (".fountain", ".spmd")
_SCENE_HEADING_RE = re.compile(
    r"^(?:int|ext|est|int\.?/ext|i/e)[. ]|^\.[^.\s]", re.IGNORECASE | re.MULTILINE
)
_TITLE_PAGE_RE = re.compile(r"\A(?:title|credit|authors?|source|draft date|contact)\s*:", re.I)
_FORCED_CUE_RE = re.compile(r"^@[^\W\d_][^\n]*\n[^\n]", re.MULTILINE)
_PARAGRAPH_RE = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Beat:
    kind: str  # "scene" (a scene heading), "action" or "dialogue"
    text: str
    speaker: str = ""  # the character cue of a dialogue beat, as written
    parenthetical: str = ""


def decode_script_file(data: bytes) -> str:
    """The text of an uploaded script, or a ValidationError for a file that is not text."""
    limit = settings.BREAKDOWN_MAX_CHARS
    if len(data) > limit * 4:  # UTF-8 takes at most four bytes a character
        raise ValidationError({"file": _too_long_message(len(data), limit, unit="bytes")})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        if b"\x00" in data:
            raise ValidationError({"file": NOT_TEXT_MESSAGE})
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ValidationError({"file": NOT_TEXT_MESSAGE}) from None


NOT_TEXT_MESSAGE = (
    "That file is not a text script. Upload a plain-text or Fountain file "
    "(.txt or .fountain, UTF-8), or paste the script."
)


def clean_script(text: str) -> str:
    """The script with unified line breaks and no control characters, within the size limit."""
    cleaned = "".join(
        char
        for char in text.replace("\r\n", "\n").replace("\r", "\n")
        if char in "\n\t" or unicodedata.category(char) != "Cc"
    ).strip()
    if not cleaned:
        raise ValidationError({"script": "Paste a script or choose a file to import."})
    limit = settings.BREAKDOWN_MAX_CHARS
    if len(cleaned) > limit:
        raise ValidationError({"script": _too_long_message(len(cleaned), limit)})
    return cleaned


def _too_long_message(size: int, limit: int, unit: str = "characters") -> str:
    return (
        f"The script is {size:,} {unit} long; one import takes at most {limit:,} characters. "
        "Import it in parts (for example one sequence at a time)."
    )


def is_fountain(text: str, *, filename: str = "") -> bool:
    if filename.lower().endswith(FOUNTAIN_EXTENSIONS):
        return True
    return bool(
        _SCENE_HEADING_RE.search(text) or _TITLE_PAGE_RE.match(text) or _FORCED_CUE_RE.search(text)
    )


def read_beats(text: str, *, filename: str = "", speakers: Iterable[str] = ()) -> list[Beat]:
    """The script's beats in order. ``speakers`` are names a line on its own may cue: scripts
    with no letter case (Korean, Japanese) cannot write a cue in capitals."""
    if not is_fountain(text, filename=filename):
        return [
            Beat(kind="action", text=" ".join(paragraph.split()))
            for paragraph in _PARAGRAPH_RE.split(text)
            if paragraph.strip()
        ]
    speaker_keys = {speaker.casefold() for speaker in speakers}
    beats: list[Beat] = []
    for paragraph in fountain.parse(io.StringIO(text)).paragraphs:
        beats.extend(_beats_of(paragraph, speaker_keys))
    return beats


def _beats_of(paragraph, speaker_keys: set[str]) -> list[Beat]:
    if isinstance(paragraph, Slug):
        return [Beat(kind="scene", text=str(paragraph.line).strip())]
    if isinstance(paragraph, Dialog):
        return [_dialogue(str(paragraph.character), paragraph.blocks)]
    if isinstance(paragraph, DualDialog):
        return [
            _dialogue(str(paragraph.left.character), paragraph.left.blocks),
            _dialogue(str(paragraph.right.character), paragraph.right.blocks),
        ]
    if isinstance(paragraph, Action) and not paragraph.centered:
        lines = [str(line).strip() for line in paragraph.lines]
        lines = [line for line in lines if line and not line.startswith(("=", "~"))]
        if len(lines) >= 2 and lines[0].casefold() in speaker_keys:
            return [_dialogue(lines[0], [(line.startswith("("), line) for line in lines[1:]])]
        if lines:
            return [Beat(kind="action", text=" ".join(" ".join(lines).split()))]
    return []  # transitions, sections, page breaks, centred titles: not shots


def _dialogue(cue: str, blocks) -> Beat:
    spoken = [str(text).strip() for is_parenthetical, text in blocks if not is_parenthetical]
    asides = [str(text).strip() for is_parenthetical, text in blocks if is_parenthetical]
    return Beat(
        kind="dialogue",
        text=" ".join(" ".join(spoken).split()),
        speaker=cue.strip(),
        parenthetical=" ".join(asides),
    )
