"""The one typeface every text the app draws is set in: PDF exports and text burned into images.

It is a subset of Noto Sans CJK KR (SIL Open Font License, ``fonts/LICENSE.txt``) shipped with
the project, so Latin, Hangul, kana, the common CJK ideographs and everyday symbols render on a
fresh machine without any system font. ``fonts/README.md`` says what it holds and how to
rebuild it.
"""

import functools
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "CutflowSans-Regular.ttf"
PDF_FONT_NAME = "CutflowSans"


@functools.cache
def pdf_font() -> str:
    """Registers the typeface with ReportLab once per process and returns its name.

    ReportLab embeds a TrueType font as subsets of the glyphs a document draws, so a PDF
    carries only the characters it shows.
    """
    pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, str(FONT_PATH)))
    return PDF_FONT_NAME


@functools.cache
def image_font(size: int) -> ImageFont.FreeTypeFont:
    """The typeface at ``size`` pixels, for Pillow."""
    return ImageFont.truetype(str(FONT_PATH), size)
