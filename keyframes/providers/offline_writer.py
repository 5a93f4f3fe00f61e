"""The offline prompt writer: deterministic rules, no network."""

import re

from characters.mentions import find_mentions
from keyframes.providers.gemini_writer import ASPECT_RATIO_WORDS
from keyframes.providers.mention_keeping import keep_mentions
from keyframes.providers.prompt_brief import (
    ACTION_MAX_CHARS,
    BRIEF_DESCRIPTION_CHARS,
    DESCRIPTION_MAX_CHARS,
    OFFLINE_WRITER,
    PROMPT_MAX_CHARS,
    AssetBrief,
    PromptRequest,
    PromptWriterError,
    ShotDraft,
    WrittenPrompt,
)

_SENTENCE_END_RE = re.compile(r"(?<=[.!?。！？])\s+|\n+")

_MOOD_WORDS = (
    (r"warm(?:th|ly)?|cozy|cosy", "warm"),
    (r"gentle|gently|calm(?:ly)?|peaceful(?:ly)?|serene|relaxed", "calm"),
    (r"quiet(?:ly)?|silent(?:ly)?|stillness|hushed", "quiet"),
    (r"joy(?:ful|fully)?|happ(?:y|ily)|laugh(?:s|ing)?|cheerful|delighted", "joyful"),
    (r"smil(?:e|es|ing)|grin(?:s|ning)?", "cheerful"),
    (r"tense|tension|nervous(?:ly)?|anxious(?:ly)?|uneasy", "tense"),
    (r"sad(?:ly|ness)?|cr(?:y|ies|ying)|tears?|grie(?:f|ving)|sorrow(?:ful)?", "sad"),
    (r"lonely|alone|loneliness", "lonely"),
    (r"angry|anger|furious(?:ly)?|rage|shouts?|shouting", "angry"),
    (r"scared|afraid|fear(?:ful)?|terrified|frightened", "fearful"),
    (r"dark|gloomy|grim|ominous", "dark"),
    (r"mysterious|eerie|strange", "mysterious"),
    (r"romantic|tender(?:ly)?|love", "romantic"),
    (r"excited|thrill(?:ed|ing)|energetic", "energetic"),
)
_TIMES_OF_DAY = (
    (r"golden hour", "golden hour"),
    (r"dawn|sunrise|daybreak", "dawn"),
    (r"morning", "morning"),
    (r"noon|midday", "midday"),
    (r"afternoon", "afternoon"),
    (r"sunset", "sunset"),
    (r"dusk|twilight", "dusk"),
    (r"evening", "evening"),
    (r"night|midnight|nighttime", "night-time"),
)
_LIGHT_SOURCES = (
    (r"sun(?:light|shine|beams?|lit)", "sunlight"),
    (r"moon(?:light|lit)", "moonlight"),
    (r"neon", "neon light"),
    (r"candles?|candle(?:light|lit)", "candlelight"),
    (r"lamps?|lamplight", "lamplight"),
    (r"street ?(?:lights?|lamps?)", "streetlight"),
    (r"fluorescent", "fluorescent light"),
    (r"fire(?:place|light)?|bonfire", "firelight"),
    (r"spotlights?", "spotlight"),
    (r"overcast|cloudy", "overcast daylight"),
    (r"daylight", "daylight"),
)
_LIGHT_QUALITIES = (
    (r"soft(?:ly)?|gentle|gently|dim(?:ly)?|faint|filters?|diffused", "soft"),
    (r"harsh|bright(?:ly)?|blazing|glaring", "bright"),
)
_LIGHT_DIRECTION_RE = re.compile(
    r"\bthrough (?:the |a )?(window|windows|glass|blinds|curtains|trees|leaves)\b", re.IGNORECASE
)
_PLACE_RE = re.compile(
    r"\b(?:in|at|by|inside|near|outside|under|beside)\s+(?:the|a|an)\s+"
    r"([^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*){0,3})",
    re.IGNORECASE,
)
_PLACE_STOP_WORDS = {"and", "with", "while", "as", "where", "when", "of", "for", "to", "but"}
_CLOSE_RE = re.compile(r"\b(?:close-?ups?|closeups?|close|face|faces|eyes|lips|tears)\b", re.I)
_EXTREME_CLOSE_RE = re.compile(r"\bextreme close", re.IGNORECASE)
_FULL_BODY_RE = re.compile(r"\bfull[- ]body\b|\bhead to toe\b", re.IGNORECASE)
_CAMERA_ANGLES = (
    (r"over (?:the|her|his|their) shoulder", "over_the_shoulder"),
    (r"from above|overhead|bird'?s[- ]eye", "overhead"),
    (r"looks? up at|looking up at|towers? over|from below", "low"),
    (r"looks? down at|looking down at", "high"),
    (r"tilted|off[- ]balance|dizzy", "dutch"),
)
_CAMERA_MOVEMENTS = (
    (r"walk(?:s|ing)?|run(?:s|ning)?|chas(?:es|ing)|rid(?:es|ing)|driv(?:es|ing)", "tracking"),
    (r"approach(?:es|ing)?|leans? in|moves? closer", "dolly_in"),
    (r"pulls? back|walks? away|retreat(?:s|ing)?", "dolly_out"),
    (r"shak(?:es|ing|y)|chaos|chaotic|stumbl(?:es|ing)", "handheld"),
)
_SHOT_SIZE_WORDS = {
    "extreme_wide": "Extreme wide shot",
    "wide": "Wide shot",
    "full": "Full shot",
    "medium": "Medium shot",
    "medium_close_up": "Medium close-up",
    "close_up": "Close-up",
    "extreme_close_up": "Extreme close-up",
}
_CAMERA_ANGLE_WORDS = {
    "eye_level": "eye level",
    "high": "high angle",
    "low": "low angle",
    "overhead": "overhead angle",
    "dutch": "dutch angle",
    "over_the_shoulder": "over the shoulder",
}
_CAMERA_MOVEMENT_WORDS = {
    "pan": "panning camera",
    "tilt": "tilting camera",
    "dolly_in": "slow dolly in",
    "dolly_out": "slow dolly out",
    "tracking": "tracking camera",
    "handheld": "handheld camera",
}
_CLEAN_MENTION_ENDINGS = " \t\n,.;:!?)"
_PLAIN_VARIATION_NAMES = {"", "default", "main", "base", "primary"}


class OfflinePromptWriter:
    """Rule-based and deterministic: the same request always gives the same prompt."""

    def write(self, request: PromptRequest) -> WrittenPrompt:
        # Many mentioned assets with long descriptions can outgrow the limit: describe them
        # more briefly, then by name only, before giving up.
        for detail_chars in (DESCRIPTION_MAX_CHARS, BRIEF_DESCRIPTION_CHARS, 0):
            written = self._write(request, detail_chars)
            if len(written.prompt) <= PROMPT_MAX_CHARS:
                return written
        raise PromptWriterError(
            "The script mentions more than one prompt can describe; split it over more cuts.",
            detail=f"{len(written.prompt)} characters with names only",
        )

    def _write(self, request: PromptRequest, detail_chars: int) -> WrittenPrompt:
        characters = [asset for asset in request.assets if not asset.is_location]
        locations = [asset for asset in request.assets if asset.is_location]
        action_sentence = _action_sentence(request.script, request.known_handles, characters)
        action, described = _describe_in_action(
            action_sentence, request.known_handles, characters, detail_chars
        )
        location = _setting(request.script, locations, detail_chars)
        lighting = _lighting(request.script, locations)
        moods = _labels_in_order(request.script, _MOOD_WORDS)
        shot = ShotDraft(
            location=location,
            characters=[f"@{asset.handle}" for asset in characters],
            action=action_sentence,
            mood=", ".join(moods) or "neutral",
            lighting=lighting,
            shot_size=_shot_size(request.script, characters=len(characters), places=len(locations)),
            camera_angle=_first_label(request.script, _CAMERA_ANGLES) or "eye_level",
            camera_movement=_first_label(request.script, _CAMERA_MOVEMENTS) or "static",
            prompt="",
        )
        others = [asset for asset in characters if asset not in described]
        prompt = keep_mentions(
            prompt=_compose(request.aspect_ratio, shot, action, others, moods, detail_chars),
            request=request,
        )
        return WrittenPrompt(
            prompt=prompt, shot=shot.model_copy(update={"prompt": prompt}), writer=OFFLINE_WRITER
        )


def _sentences(script: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END_RE.split(script) if sentence.strip()]


def _action_sentence(
    script: str, known_handles: tuple[str, ...], characters: list[AssetBrief]
) -> str:
    """The first sentence naming a character, else the first naming anything, else the first."""
    sentences = _sentences(script) or [script.strip()]
    character_keys = {asset.handle.casefold() for asset in characters}
    with_mentions = [
        (sentence, {m.handle.casefold() for m in find_mentions(sentence, known_handles)})
        for sentence in sentences
    ]
    for sentence, handles in with_mentions:
        if handles & character_keys:
            return _shorten(sentence, ACTION_MAX_CHARS)
    for sentence, handles in with_mentions:
        if handles:
            return _shorten(sentence, ACTION_MAX_CHARS)
    return _shorten(sentences[0], ACTION_MAX_CHARS)


def _describe_in_action(
    sentence: str, known_handles: tuple[str, ...], characters: list[AssetBrief], detail_chars: int
) -> tuple[str, list[AssetBrief]]:
    """The sentence with "(Name: description)" after each character mention it holds.

    A mention glued to more text (a Korean particle in "@서희는", a possessive "'s") is left
    alone; that character is described in its own part of the prompt instead.
    """
    by_key = {asset.handle.casefold(): asset for asset in characters}
    inserts = []
    for mention in find_mentions(sentence, known_handles):
        asset = by_key.get(mention.handle.casefold())
        follows = sentence[mention.end : mention.end + 1]
        if asset is not None and (not follows or follows in _CLEAN_MENTION_ENDINGS):
            inserts.append((mention.end, asset))
    for end, asset in sorted(inserts, key=lambda insert: insert[0], reverse=True):
        sentence = f"{sentence[:end]} ({_asset_summary(asset, detail_chars)}){sentence[end:]}"
    return sentence.rstrip(" .!?。"), [asset for _, asset in inserts]


def _asset_summary(asset: AssetBrief, detail_chars: int) -> str:
    if not detail_chars:
        return asset.name
    details = [asset.description.strip()]
    if asset.variation_description.strip():
        details.append(asset.variation_description.strip())
    elif asset.variation_name.strip().casefold() not in _PLAIN_VARIATION_NAMES:
        details.append(asset.variation_name.strip())
    text = ", ".join(_shorten(detail.rstrip(" ."), detail_chars) for detail in details if detail)
    return f"{asset.name}: {text}" if text else asset.name


def _setting(script: str, locations: list[AssetBrief], detail_chars: int) -> str:
    if locations:
        return "; ".join(
            f"@{asset.handle} ({_asset_summary(asset, detail_chars)})" for asset in locations
        )
    match = _PLACE_RE.search(script)
    if match is None:
        return ""
    words = []
    for word in match.group(1).split():
        if word.casefold() in _PLACE_STOP_WORDS:
            break
        words.append(word)
    return " ".join(words)


def _lighting(script: str, locations: list[AssetBrief]) -> str:
    """Lighting from the script, else from the locations' selected variations, else daylight."""
    location_text = " ".join(
        f"{asset.variation_name} {asset.variation_description} {asset.description}"
        for asset in locations
    )
    for text in (script, location_text):
        time_of_day = _first_label(text, _TIMES_OF_DAY)
        source = _first_label(text, _LIGHT_SOURCES)
        if time_of_day or source:
            quality = _first_label(text, _LIGHT_QUALITIES)
            words = [quality, time_of_day, source or "light"]
            direction = _LIGHT_DIRECTION_RE.search(text)
            if direction:
                words.append(f"through the {direction.group(1).lower()}")
            return " ".join(word for word in words if word)
    return "natural light"


def _shot_size(script: str, *, characters: int, places: int) -> str:
    if _EXTREME_CLOSE_RE.search(script):
        return "extreme_close_up"
    if _CLOSE_RE.search(script):
        return "close_up"
    if _FULL_BODY_RE.search(script):
        return "full"
    if characters >= 3:
        return "wide"
    if characters >= 1:
        return "medium"
    return "wide"


def _compose(
    aspect_ratio: str,
    shot: ShotDraft,
    action: str,
    others: list[AssetBrief],
    moods: list[str],
    detail_chars: int,
) -> str:
    ratio = ASPECT_RATIO_WORDS.get(aspect_ratio, aspect_ratio)
    framing = f"{_SHOT_SIZE_WORDS[shot.shot_size]}, {_CAMERA_ANGLE_WORDS[shot.camera_angle]}"
    if shot.camera_movement in _CAMERA_MOVEMENT_WORDS:
        framing += f", {_CAMERA_MOVEMENT_WORDS[shot.camera_movement]}"
    parts = [f"Cinematic storyboard keyframe, {ratio}.", f"{framing}.", f"{action}."]
    if others:
        described = "; ".join(
            f"@{asset.handle} ({_asset_summary(asset, detail_chars)})" for asset in others
        )
        parts.append(f"Characters: {described}.")
    if shot.location:
        parts.append(f"Setting: {shot.location}.")
    parts.append(f"Lighting: {shot.lighting}.")
    if moods:
        parts.append(f"Mood: {', '.join(moods)}.")
    return " ".join(parts)


def _labels_in_order(text: str, vocabulary: tuple[tuple[str, str], ...]) -> list[str]:
    found = []
    for pattern, label in vocabulary:
        match = re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)
        if match:
            found.append((match.start(), label))
    labels: list[str] = []
    for _, label in sorted(found):
        if label not in labels:
            labels.append(label)
    return labels


def _first_label(text: str, vocabulary: tuple[tuple[str, str], ...]) -> str:
    labels = _labels_in_order(text, vocabulary)
    return labels[0] if labels else ""


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
