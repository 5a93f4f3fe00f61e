import re

import pytest
from django.core.exceptions import ValidationError

from characters.mentions import (
    HANDLE_PATTERN,
    Mention,
    find_mentions,
    is_valid_handle,
    unknown_mentions,
    validate_handle,
)

HANDLES = ["Seohee", "Jake", "Cafe", "서희", "서희진", "Mina_2", "Rooftop3"]


def mentioned(text, handles=HANDLES):
    return [(m.handle, m.known) for m in find_mentions(text, handles)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Jake, run!", [("Jake", True)]),
        ("@Jake.", [("Jake", True)]),
        ("Is that @Jake?", [("Jake", True)]),
        ("@Jake; @Cafe: night", [("Jake", True), ("Cafe", True)]),
        ("inside (@Cafe)", [("Cafe", True)]),
        ('she says "@Seohee"', [("Seohee", True)]),
        ("@Seohee's coat", [("Seohee", True)]),
        ("@Seohee\u2019s coat", [("Seohee", True)]),
        ("@Seohees coat", [("Seohee", True)]),
        ("@Jake/@Seohee", [("Jake", True), ("Seohee", True)]),
        ("@Jake@Cafe", [("Jake", True)]),
    ],
    ids=[
        "comma",
        "full-stop",
        "question-mark",
        "semicolon-and-colon",
        "parentheses",
        "quotes",
        "possessive-apostrophe",
        "possessive-curly-apostrophe",
        "possessive-without-apostrophe",
        "slash-between-two-mentions",
        "at-glued-to-a-handle-is-not-a-new-mention",
    ],
)
def test_punctuation_around_a_handle_is_not_part_of_it(text, expected):
    assert mentioned(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "write to mina@cafe.com",
        "write to jake.doe@cafe.com",
        "write to jake-doe@cafe.com",
        "write to jake+story@cafe.com",
        "write to 서희@cafe.kr",
        "shot_2@Cafe",
    ],
    ids=[
        "plain",
        "dot-before-at",
        "hyphen-before-at",
        "plus-before-at",
        "korean-local-part",
        "underscore",
    ],
)
def test_an_email_address_is_not_a_mention(text):
    assert find_mentions(text, HANDLES) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@서희는 웃는다", [("서희", True)]),
        ("@서희가 @서희진을 본다", [("서희", True), ("서희진", True)]),
        ("@서희진은 달린다", [("서희진", True)]),
        ("@서희진에게", [("서희진", True)]),
        ("카페에서 @서희와 @Jake", [("서희", True), ("Jake", True)]),
    ],
    ids=[
        "particle-neun",
        "two-handles-sharing-a-prefix",
        "longest-wins",
        "two-syllable-particle",
        "mixed",
    ],
)
def test_korean_particles_resolve_to_the_longest_known_handle(text, expected):
    assert mentioned(text) == expected


def test_longest_first_does_not_depend_on_the_order_handles_are_given():
    assert mentioned("@서희진은", ["서희", "서희진"]) == [("서희진", True)]
    assert mentioned("@서희진은", ["서희진", "서희"]) == [("서희진", True)]


def test_matched_span_covers_the_at_sign_and_the_handle_only():
    text = "밤. @서희는 창가에"
    [mention] = find_mentions(text, HANDLES)
    assert mention == Mention(handle="서희", known=True, start=3, end=6)
    assert text[mention.start : mention.end] == "@서희"


def test_a_repeated_handle_is_reported_once_at_its_first_appearance_whatever_its_case():
    text = "@jake waves. @JAKE waves again. @Jake leaves."
    mentions = find_mentions(text, HANDLES)
    assert mentions == [Mention(handle="Jake", known=True, start=0, end=5)]


def test_known_handles_take_their_canonical_spelling():
    assert mentioned("@SEOHEE and @cafe") == [("Seohee", True), ("Cafe", True)]


def test_mentions_come_in_order_of_first_appearance():
    text = "@Cafe at night. @Seohee enters, @Jake follows, @Seohee sits, @서희 watches."
    assert [m.handle for m in find_mentions(text, HANDLES)] == ["Cafe", "Seohee", "Jake", "서희"]


def test_unknown_handles_are_named_as_typed():
    text = "@Jake meets @Bora and @bora's dog @Rex_1 near @Cafe"
    mentions = find_mentions(text, HANDLES)
    assert [(m.handle, m.known) for m in mentions] == [
        ("Jake", True),
        ("Bora", False),
        ("Rex_1", False),
        ("Cafe", True),
    ]
    assert unknown_mentions(mentions) == ["Bora", "Rex_1"]


def test_an_unknown_korean_word_is_reported_whole():
    assert mentioned("@민수는 걷는다") == [("민수는", False)]


def test_no_handles_known_reports_every_mention_as_unknown():
    assert mentioned("@Jake and @서희", []) == [("Jake", False), ("서희", False)]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("@Jake", 0, 5), ("run @Jake", 4, 9), ("@Jake runs", 0, 5), ("\n@Jake\n", 1, 6)],
    ids=["whole-text", "end-of-text", "start-of-text", "own-line"],
)
def test_mention_at_the_edges_of_the_text(text, start, end):
    assert find_mentions(text, HANDLES) == [
        Mention(handle="Jake", known=True, start=start, end=end)
    ]


def test_a_doubled_at_sign_still_mentions_the_handle():
    assert find_mentions("@@Jake runs", HANDLES) == [
        Mention(handle="Jake", known=True, start=1, end=6)
    ]


@pytest.mark.parametrize(
    "text",
    ["@ Jake", "@", "@1Jake", "@_Jake", "100@", "Jake@"],
    ids=["space-after-at", "bare-at", "digit-first", "underscore-first", "trailing-at", "glued-at"],
)
def test_an_at_sign_without_a_handle_is_not_a_mention(text):
    assert find_mentions(text, HANDLES) == []


def test_handles_with_digits_and_underscores():
    assert mentioned("@Mina_2 on @Rooftop3, then @mina_2 again") == [
        ("Mina_2", True),
        ("Rooftop3", True),
    ]


def test_digits_glued_after_a_known_handle_resolve_to_it():
    assert mentioned("@Jake2 waves") == [("Jake", True)]


def test_ten_thousand_mentions_are_parsed():
    text = " ".join(f"@Jake{i} @서희는 @Unknown{i}" for i in range(10_000))
    mentions = find_mentions(text, HANDLES)
    assert [m.handle for m in mentions[:3]] == ["Jake", "서희", "Unknown0"]
    assert len(mentions) == 2 + 10_000


def test_a_single_enormous_word_after_an_at_sign_is_one_unknown_mention():
    word = "a" * 100_000
    [mention] = find_mentions(f"@{word}", HANDLES)
    assert (mention.known, mention.end) == (False, 100_001)


@pytest.mark.parametrize(
    "handle",
    ["Jake", "j", "서희", "Mina_2", "Ünal", "a" * 32],
    ids=["latin", "one-letter", "korean", "digit-and-underscore", "accented", "32-characters"],
)
def test_valid_handles(handle):
    assert is_valid_handle(handle)
    assert re.match(HANDLE_PATTERN, handle)
    validate_handle(handle)


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("", "A handle starts with a letter"),
        ("2Jake", "A handle starts with a letter"),
        ("_Jake", "A handle starts with a letter"),
        ("Jake Doe", "A handle starts with a letter"),
        ("Jake-Doe", "A handle starts with a letter"),
        ("@Jake", "A handle starts with a letter"),
        ("Jake\n", "A handle starts with a letter"),
        ("a" * 33, "A handle can be at most 32 characters long."),
    ],
    ids=[
        "empty",
        "digit-first",
        "underscore-first",
        "space",
        "hyphen",
        "at-sign",
        "trailing-newline",
        "33-characters",
    ],
)
def test_invalid_handles_are_refused_with_a_plain_sentence(handle, message):
    assert not is_valid_handle(handle)
    assert not re.match(HANDLE_PATTERN, handle)
    with pytest.raises(ValidationError) as excinfo:
        validate_handle(handle)
    assert excinfo.value.messages[0].startswith(message)
