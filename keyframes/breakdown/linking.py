"""Putting @mentions into proposed cut scripts, and naming what a breakdown proposes.

Pure text functions: no database. A name is matched case-insensitively as a whole word; when
it ends in a letter with no case (Hangul, kana, Han), text glued after it still matches, since
Korean particles are written against the name (``서희는``) and mentions resolve the same way.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from characters.mentions import MAX_HANDLE_LENGTH, is_valid_handle

NAME_MAX_CHARS = 80
DESCRIPTION_MAX_CHARS = 400
_MENTION_RE = re.compile(r"(?<![\w.+\-])@([^\W\d_]\w*)")
_CUE_EXTENSION_RE = re.compile(r"\s*\((?:[^)]*)\)\s*$")
_SHOT_SIZES = (
    (r"extreme close[- ]?ups?|(?-i:\bECU\b)|(?-i:\bXCU\b)", "extreme_close_up"),
    (r"extreme wide|(?-i:\bEWS\b)|(?-i:\bXWS\b)|aerial view", "extreme_wide"),
    (r"medium close[- ]?ups?|(?-i:\bMCU\b)", "medium_close_up"),
    (r"close[- ]?ups?|\bclose on\b|(?-i:\bCU\b)|\binsert\b", "close_up"),
    (r"wide shot|(?-i:\bWS\b)|establishing", "wide"),
    (r"full shot|full[- ]body|head to toe", "full"),
    (r"medium shot|(?-i:\bMS\b)|waist[- ]up", "medium"),
)


@dataclass(frozen=True)
class KnownAsset:
    """An asset a breakdown may mention: one that exists, or one it proposes."""

    handle: str
    name: str
    kind: str


def link_mentions(text: str, assets: Iterable[KnownAsset]) -> str:
    """The text with each asset's name or handle, where written without @, as its @mention."""
    return mention_linker(assets)(text)


def mention_linker(assets: Iterable[KnownAsset]) -> Callable[[str], str]:
    """link_mentions for many texts: the pattern over every name is built once."""
    terms: dict[str, str] = {}
    for asset in assets:
        for term in (asset.name.strip(), asset.handle):
            if term and term.casefold() not in terms:
                terms[term.casefold()] = asset.handle
    if not terms:
        return lambda text: text
    # Longest first, so "Mina Park" wins over "Mina".
    alternatives = "|".join(_term_pattern(term) for term in sorted(terms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w@])(?:{alternatives})", re.IGNORECASE)
    return lambda text: pattern.sub(lambda match: "@" + terms[match.group(0).casefold()], text)


def _term_pattern(term: str) -> str:
    escaped = re.escape(term)
    if _is_caseless_letter(term[-1]):
        return escaped
    return rf"{escaped}(?![\w@])"  # not the start of a longer word or an e-mail address


def _is_caseless_letter(char: str) -> bool:
    return char.isalpha() and char.lower() == char.upper()


def rewrite_mentions(text: str, changes: Mapping[str, str | None]) -> str:
    """Mentions of the handles in ``changes`` (keys casefolded) renamed, or, for None, left as
    the plain word without its @."""
    if not changes:
        return text

    def rewrite(match: re.Match) -> str:
        word = match.group(1)
        for length in range(min(len(word), MAX_HANDLE_LENGTH), 0, -1):
            key = word[:length].casefold()
            if key in changes:
                new = changes[key]
                rest = word[length:]
                return f"@{new}{rest}" if new else f"{word[:length]}{rest}"
        return match.group(0)

    return _MENTION_RE.sub(rewrite, text)


def derive_handle(name: str, *, taken: Iterable[str], fallback: str = "Asset") -> str:
    """A valid handle from a name ("Old man" → "OldMan"; a valid handle stays as it is), not
    in ``taken`` (any case)."""
    taken_keys = {handle.casefold() for handle in taken}
    if is_valid_handle(name):
        base = name
    else:
        words = re.findall(r"[^\W_]+", name)
        base = "".join(word[:1].upper() + word[1:] for word in words)
        base = base.lstrip("0123456789")[:MAX_HANDLE_LENGTH] or fallback
    if not is_valid_handle(base):
        base = fallback
    handle, number = base, 1
    while handle.casefold() in taken_keys:
        number += 1
        suffix = str(number)
        handle = base[: MAX_HANDLE_LENGTH - len(suffix)] + suffix
    return handle


def cue_name(cue: str) -> str:
    """A character's name from a Fountain cue: "SEOHEE (V.O.)" → "Seohee"."""
    name = _CUE_EXTENSION_RE.sub("", cue.strip().lstrip("@").rstrip("^").strip())
    return readable_name(name)


def readable_name(text: str) -> str:
    """Capitalised words for a name written in capitals; other names as written."""
    text = " ".join(text.split())[:NAME_MAX_CHARS]
    if text.isupper():
        return " ".join(word[:1] + word[1:].lower() for word in text.split())
    return text


def implied_shot_size(text: str) -> str:
    """The shot size the text names ("close on her hands" → close_up), else ""."""
    for pattern, size in _SHOT_SIZES:
        if re.search(pattern, text, re.IGNORECASE):
            return size
    return ""


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
