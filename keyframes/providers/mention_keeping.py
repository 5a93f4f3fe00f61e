"""Keeping a script's @mentions in the prompt a writer returns."""

from characters.mentions import Mention, find_mentions
from keyframes.providers.prompt_brief import AssetBrief, PromptRequest


def keep_mentions(*, prompt: str, request: PromptRequest) -> str:
    """The prompt with every script mention present and no @handle the script did not write.

    Lost mentions are appended ("featuring @Seohee at @Cafe") rather than refused: the clause is
    short and the reference images still attach. A handle the script never mentions loses its @
    sign rather than being refused: the word stays readable, but no unasked-for reference image
    (or unknown-handle error) follows from it. Unknown handles the creator wrote are kept, so the
    generation step can name them.
    """
    script_mentions = find_mentions(request.script, request.known_handles)
    allowed = {mention.handle.casefold() for mention in script_mentions}
    prompt = _unmark_handles(prompt, request.known_handles, allowed=allowed)
    present = {
        mention.handle.casefold() for mention in find_mentions(prompt, request.known_handles)
    }
    missing = [mention for mention in script_mentions if mention.handle.casefold() not in present]
    if not missing:
        return prompt
    return _append_clause(prompt, _mention_clause(missing, request.assets))


def _unmark_handles(prompt: str, known_handles: tuple[str, ...], *, allowed: set[str]) -> str:
    # find_mentions reports each handle once, so strip one occurrence per pass until none is left.
    while invented := [
        mention
        for mention in find_mentions(prompt, known_handles)
        if mention.handle.casefold() not in allowed
    ]:
        for mention in sorted(invented, key=lambda mention: mention.start, reverse=True):
            prompt = prompt[: mention.start] + prompt[mention.start + 1 :]
    return prompt


def _mention_clause(missing: list[Mention], assets: tuple[AssetBrief, ...]) -> str:
    locations = {asset.handle.casefold() for asset in assets if asset.is_location}
    places = [f"@{m.handle}" for m in missing if m.handle.casefold() in locations]
    people = [f"@{m.handle}" for m in missing if m.handle.casefold() not in locations]
    parts = []
    if people:
        parts.append(f"featuring {_join_words(people)}")
    if places:
        parts.append(f"at {_join_words(places)}")
    return " ".join(parts)


def _append_clause(prompt: str, clause: str) -> str:
    prompt = prompt.rstrip()
    if not prompt:
        return clause[0].upper() + clause[1:] + "."
    if prompt[-1] in ".!?":
        return f"{prompt} {clause[0].upper()}{clause[1:]}."
    return f"{prompt}, {clause}."


def _join_words(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
