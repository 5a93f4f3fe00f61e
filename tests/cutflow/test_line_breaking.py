import unicodedata

import pytest

from cutflow.line_breaking import NO_LINE_END, NO_LINE_START, wrap_text


def wrap(text, width):
    """Every character one unit wide, so a line of ``width`` holds that many characters."""
    return wrap_text(text, width=width, measure=len)


def test_latin_breaks_at_spaces_and_keeps_words_whole():
    assert wrap("Rain streaks the windows of @Cafe", 12) == [
        "Rain streaks",
        "the windows",
        "of @Cafe",
    ]


def test_a_word_wider_than_the_line_is_cut_between_letters():
    assert wrap("see https://example.org/cafe", 10) == ["see", "https://ex", "ample.org/", "cafe"]


def test_accents_stay_on_their_letters():
    decomposed = "cafe\u0301 na\u0131\u0308ve"  # é and ï typed as letter + combining mark
    lines = wrap(decomposed * 3, 4)
    assert all(not unicodedata.category(line[0]).startswith("M") for line in lines)


def test_korean_breaks_at_the_spaces_between_words():
    lines = wrap("@Seohee 서희는 창가에 앉아 커피잔을 두 손으로 감싸 쥔다.", 12)
    assert lines == ["@Seohee 서희는", "창가에 앉아 커피잔을", "두 손으로 감싸 쥔다."]


def test_a_korean_word_wider_than_the_line_breaks_between_whole_syllables():
    assert wrap("커피잔을감싸쥔다", 3) == ["커피잔", "을감싸", "쥔다"]


def test_hangul_typed_as_separate_jamo_is_never_cut_inside_a_syllable():
    decomposed = unicodedata.normalize("NFD", "서희는 창가에 앉아")
    lines = wrap(decomposed, 2)
    assert lines == ["서희", "는", "창가", "에", "앉아"]
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)


def test_chinese_breaks_between_characters():
    assert wrap("她坐在窗边双手捧着咖啡杯", 5) == ["她坐在窗边", "双手捧着咖", "啡杯"]


@pytest.mark.parametrize(
    "text",
    [
        "彼女は「窓辺」に座って、コーヒーを飲む。ちょっと休憩。",
        "她坐在窗边，双手捧着咖啡杯。“真暖和！”她说。",
    ],
    ids=["japanese", "chinese"],
)
@pytest.mark.parametrize("width", [3, 4, 5, 6, 7])
def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(text, width):
    lines = wrap(text, width)

    assert "".join(lines) == text
    assert all(len(line) <= width for line in lines)
    assert not any(line[0] in NO_LINE_START for line in lines[1:])
    assert not any(line[-1] in NO_LINE_END for line in lines[:-1])


def test_latin_next_to_cjk_can_break_at_the_boundary():
    assert wrap("@Mina が来た", 5) == ["@Mina", "が来た"]


def test_line_breaks_in_the_text_are_kept_and_blank_lines_stay_empty():
    assert wrap("첫 줄\n\nsecond line", 20) == ["첫 줄", "", "second line"]


def test_empty_text_is_one_empty_line():
    assert wrap("", 10) == [""]
