"""Find ``@handle`` mentions of characters and locations in a script or prompt.

A handle is 1-32 letters, digits or underscores and starts with a letter; letters are Unicode
letters, so ``서희`` is a handle. Matching against a project's handles ignores case and takes the
longest known handle that starts the typed word, because Korean particles are written glued to
the name (``@서희는`` is ``서희`` + ``는``) and English possessives often lose their apostrophe.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MAX_HANDLE_LENGTH = 32

# \A and \Z rather than ^ and $: in Python "$" also matches before a trailing newline.
# PostgreSQL regular expressions read this pattern the same way, so a CHECK constraint can use it.
HANDLE_PATTERN = rf"\A[^\W\d_]\w{{0,{MAX_HANDLE_LENGTH - 1}}}\Z"

# "@" after a word character, ".", "-" or "+" belongs to an e-mail address, not a mention.
_MENTION_RE = re.compile(r"(?<![\w.+\-])@([^\W\d_]\w*)")
_HANDLE_RE = re.compile(HANDLE_PATTERN)


@dataclass(frozen=True)
class Mention:
    """One mentioned handle; ``text[start:end]`` is the ``@`` plus the matched handle."""

    handle: str
    known: bool
    start: int
    end: int


def fold_handle(value: str) -> str:
    """The one comparison key of a handle, in Python and (stored as Asset.handle_key) in the
    database: Unicode caseless matching, so Straße and STRASSE, or Zoë typed composed or
    decomposed and ZOË, are the same handle."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def is_valid_handle(value: str) -> bool:
    return _HANDLE_RE.match(value) is not None


def validate_handle(value: str) -> None:
    if len(value) > MAX_HANDLE_LENGTH:
        raise ValidationError(
            f"A handle can be at most {MAX_HANDLE_LENGTH} characters long.",
            code="handle_too_long",
        )
    if not is_valid_handle(value):
        raise ValidationError(
            "A handle starts with a letter and contains only letters, digits and underscores "
            "(no spaces).",
            code="invalid_handle",
        )


def find_mentions(text: str, handles: Iterable[str]) -> list[Mention]:
    """Mentions in order of first appearance, each handle once whatever its case."""
    known = {fold_handle(handle): handle for handle in handles}
    mentions: list[Mention] = []
    seen: set[str] = set()
    for match in _MENTION_RE.finditer(text):
        mention = _resolve(match.group(1), at=match.start(), known=known)
        key = fold_handle(mention.handle)
        if key not in seen:
            seen.add(key)
            mentions.append(mention)
    return mentions


def unknown_mentions(mentions: Iterable[Mention]) -> list[str]:
    return [mention.handle for mention in mentions if not mention.known]


def _resolve(word: str, *, at: int, known: dict[str, str]) -> Mention:
    """The longest known handle that starts ``word``, else the whole word as unknown."""
    for length in range(min(len(word), MAX_HANDLE_LENGTH), 0, -1):
        handle = known.get(fold_handle(word[:length]))
        if handle is not None:
            return Mention(handle=handle, known=True, start=at, end=at + 1 + length)
    return Mention(handle=word, known=False, start=at, end=at + 1 + len(word))


def with_names(text: str, names: dict[str, str]) -> str:
    """``text`` with each known ``@handle`` replaced by its name (``names`` maps handles, in
    any case, to names); what is glued after a handle (a particle) stays."""
    known = {handle.casefold(): handle for handle in names}
    by_handle = {handle.casefold(): name for handle, name in names.items()}
    pieces, last = [], 0
    for match in _MENTION_RE.finditer(text):
        mention = _resolve(match.group(1), at=match.start(), known=known)
        if mention.known:
            pieces += [text[last : mention.start], by_handle[mention.handle.casefold()]]
            last = mention.end
    return "".join(pieces) + text[last:]
