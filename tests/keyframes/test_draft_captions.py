"""Local drafts write captions in any script with the shipped typeface."""

import io

from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from cutflow.typeface import FONT_PATH
from keyframes.providers.local_draft import render_draft

KOREAN = "@Seohee 서희는 창가에 앉아 커피잔을 두 손으로 감싸 쥔다."


def caption_band(prompt: str) -> Image.Image:
    """The bottom fifth of a plain draft, where the caption is written."""
    data = render_draft(prompt=prompt, aspect_ratio="16:9", references=[], seed=3)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return image.crop((0, image.height * 4 // 5, image.width, image.height))


def test_the_typeface_has_an_outline_for_every_character_of_the_caption():
    font = TTFont(FONT_PATH)
    cmap = font.getBestCmap()
    glyphs = font["glyf"]

    missing = [char for char in set(KOREAN) - {" "} if ord(char) not in cmap]
    empty = [char for char in set(KOREAN) - {" "} if glyphs[cmap[ord(char)]].numberOfContours == 0]
    assert missing == [] and empty == []


def test_each_hangul_syllable_is_drawn_as_its_own_shape_not_a_box():
    # A missing glyph draws the same box for every character, so two captions that differ
    # in one syllable would come out identical.
    one = caption_band("서희는 창가에 앉아")
    other = caption_band("서희가 창가에 앉아")

    assert ImageChops.difference(one, other).getbbox() is not None


def test_a_hangul_caption_differs_from_one_of_missing_characters():
    unassigned = "".join(chr(0x0378) if char != " " else " " for char in KOREAN)

    assert ImageChops.difference(caption_band(KOREAN), caption_band(unassigned)).getbbox()
