"""Lines of text that fit a width, broken where each script allows.

Latin text breaks at spaces. Chinese and Japanese break between characters, except that a line
never starts with closing punctuation, a small kana or a prolonged-sound mark, nor ends with an
opening bracket (the usual kinsoku rules). Korean breaks at the spaces between words, as Korean
typesetting does; a word wider than the whole line is the only one broken, and then between
syllables. Text is composed (NFC) first, so Hangul typed as separate jamo becomes whole
syllables, and no break ever falls inside a character and its combining marks.

A small rule set of our own rather than the full Unicode algorithm (UAX #14): the pure-Python
implementation we tried took half a millisecond per character, seconds for one long PDF.
"""

import unicodedata
from collections.abc import Callable, Iterator

Measure = Callable[[str], float]

NO_LINE_START = frozenset(
    ")]}.,:;!?%’”»…‥、。，．・：；？！゛゜ヽヾゝゞ々〻ー〜"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "」』）〕］｝〉》】〙〗〟｠"
)
NO_LINE_END = frozenset("([{‘“«「『（〔［｛〈《【〘〖〝｟")
_ZERO_WIDTH_JOINER = "\u200d"
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))


def wrap_text(text: str, *, width: float, measure: Measure) -> list[str]:
    """``text`` as lines whose ``measure`` is at most ``width``; each line break in the text
    starts a new line, and a blank line stays an empty string."""
    lines: list[str] = []
    for paragraph in unicodedata.normalize("NFC", text).splitlines() or [""]:
        lines += _wrap_paragraph(paragraph, width=width, measure=measure)
    return lines


def _wrap_paragraph(paragraph: str, *, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    line, line_width = "", 0.0
    for unit in _break_units(paragraph):
        # The font has no kerning, so widths add up; trailing spaces may hang past the edge.
        if line_width + measure(unit.rstrip()) <= width:
            line, line_width = line + unit, line_width + measure(unit)
            continue
        if line.strip():
            lines.append(line.rstrip())
        *full, line = _split_unit(unit, width=width, measure=measure)
        lines += full
        line_width = measure(line)
    lines.append(line.rstrip())
    return lines


def _break_units(text: str) -> Iterator[str]:
    """The pieces between break opportunities, each with the spaces that follow it."""
    unit = ""
    for index, char in enumerate(text):
        if unit and _may_break(text[index - 1], char):
            yield unit
            unit = ""
        unit += char
    if unit:
        yield unit


def _may_break(before: str, after: str) -> bool:
    if after.isspace() or _joins_previous(before, after):
        return False
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before.isspace():
        return True
    return _is_ideographic(before) or _is_ideographic(after)


def _split_unit(unit: str, *, width: float, measure: Measure) -> list[str]:
    """A word wider than a line (a URL, a long Korean word) cut between characters; a
    character never splits, so each piece holds at least one."""
    pieces = [""]
    for cluster in _clusters(unit):
        if pieces[-1] and measure((pieces[-1] + cluster).rstrip()) > width:
            pieces.append("")
        pieces[-1] += cluster
    return pieces


def _clusters(text: str) -> Iterator[str]:
    """Characters with their combining marks, variation selectors and joined emoji."""
    cluster = ""
    for char in text:
        if cluster and not _joins_previous(cluster[-1], char):
            yield cluster
            cluster = ""
        cluster += char
    if cluster:
        yield cluster


def _joins_previous(before: str, after: str) -> bool:
    return (
        unicodedata.category(after).startswith("M")
        or after == _ZERO_WIDTH_JOINER
        or before == _ZERO_WIDTH_JOINER
        or 0xFE00 <= ord(after) <= 0xFE0F
    )


def _is_ideographic(char: str) -> bool:
    """Wide characters (CJK ideographs, kana, CJK punctuation, fullwidth forms), Hangul aside."""
    if unicodedata.east_asian_width(char) not in ("W", "F"):
        return False
    return not any(first <= ord(char) <= last for first, last in _HANGUL_RANGES)
