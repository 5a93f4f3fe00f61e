"""PDF exports of storyboards written in Korean, Japanese and Chinese."""

import io
import re

import pytest
from django.core.management import call_command
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from keyframes.providers.local_draft import render_draft
from projects import export_pdf
from projects.models import Project
from tests.factories import make_cut, make_project
from tests.projects.export_data import give_representative

pytestmark = pytest.mark.django_db

SCRIPTS = {
    "korean": "@Seohee 서희는 창가에 앉아 커피잔을 두 손으로 감싸 쥔다. 비가 그치자 미소 짓는다.",
    "japanese": "@Mina は窓辺の席に座り、「おはよう」と微笑む。湯気がゆっくり立ちのぼる。",
    "chinese": "@Lin 坐在窗边，双手捧着咖啡杯。窗外的雨渐渐停了，她轻轻地笑了。",
    "latin": "Café crème — naïve “quotes”, 3 × 4 = 12 … ½ ♥ → ©",
}
# The demo storyboard with a local draft for each cut, as a creator would export it.
DEMO_PDF_MAX_BYTES = 1_500_000
# All the embedded font subsets of the demo PDF together.
DEMO_FONTS_MAX_BYTES = 60_000


def squashed(text: str) -> str:
    """Text without whitespace: line breaks in the PDF stand where spaces were."""
    return "".join(text.split())


def embedded_fonts(pdf: PdfReader):
    """(ToUnicode map code -> character, the embedded TrueType font) of each font subset."""
    seen = set()
    for page in pdf.pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None or id(font) in seen:
                continue
            seen.add(id(font))
            data = font["/ToUnicode"].get_data().decode("ascii")
            to_unicode = {
                int(code, 16): chr(int(point, 16))
                for code, point in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]{4})>", data)
                if int(point, 16)
            }
            embedded = descriptor.get_object()["/FontFile2"].get_data()
            yield to_unicode, TTFont(io.BytesIO(embedded)), len(embedded)


def drawn_glyphs(pdf: PdfReader) -> dict[str, bool]:
    """Each character the embedded fonts map, and whether its glyph has an outline (False
    for the empty .notdef glyph or an outline-less one)."""
    glyphs = {}
    for to_unicode, font, _ in embedded_fonts(pdf):
        codes = font["cmap"].getcmap(1, 0).cmap
        for code, char in to_unicode.items():
            name = codes.get(code, ".notdef")
            glyphs[char] = name != ".notdef" and font["glyf"][name].numberOfContours != 0
    return glyphs


@pytest.fixture
def multilingual(user):
    project = make_project(owner=user, title="서희의 하루 · 窓辺 · 窗边")
    for number, script in enumerate(SCRIPTS.values()):
        make_cut(project=project, script=script, position=number)
    return project


def test_scripts_in_every_language_come_back_out_of_the_pdf(multilingual):
    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(multilingual)))

    text = squashed(pdf.pages[0].extract_text())
    assert squashed("서희의 하루 · 窓辺 · 窗边") in text
    for script in SCRIPTS.values():
        assert squashed(script) in text


def test_the_embedded_font_draws_every_character_of_the_captions(multilingual):
    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(multilingual)))

    glyphs = drawn_glyphs(pdf)
    characters = set(squashed("".join(SCRIPTS.values()) + multilingual.title))
    assert {char for char in characters if not glyphs.get(char)} == set()


def test_long_korean_captions_wrap_at_spaces_and_japanese_between_characters(user):
    project = make_project(owner=user, title="Wrapping")
    korean = "서희는 창가에 앉아 커피잔을 두 손으로 감싸 쥔다. " * 3
    japanese = "彼女は窓辺の席に座り、コーヒーの湯気を眺めている。" * 3
    make_cut(project=project, script=korean, position=0)
    make_cut(project=project, script=japanese, position=1)

    lines = export_pdf.script_lines(korean, width=180, room=10)
    assert len(lines) > 1
    assert all(word in korean.split() for line in lines for word in line.split())
    japanese_lines = export_pdf.script_lines(japanese, width=180, room=20)
    assert "".join(japanese_lines) == japanese
    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(project)))
    assert squashed(korean) in squashed(pdf.pages[0].extract_text())


def test_the_pdf_embeds_only_the_glyphs_it_draws(multilingual):
    pdf = PdfReader(io.BytesIO(export_pdf.export_pdf(multilingual)))

    drawn = set(squashed("".join(SCRIPTS.values()) + multilingual.title))
    glyph_count = sum(len(font.getGlyphOrder()) for _, font, _ in embedded_fonts(pdf))
    # ReportLab's first subset always carries ASCII; beyond that only the characters drawn.
    assert glyph_count <= len(drawn) + 128 + 2 * len(list(embedded_fonts(pdf)))


def test_the_demo_storyboard_pdf_stays_small(settings):
    settings.DEBUG = True  # the demo refuses a production site
    call_command("demo", stdout=io.StringIO())
    project = Project.objects.get()
    for cut in project.cuts.all():
        draft = render_draft(prompt=cut.script, aspect_ratio="16:9", references=[], seed=cut.pk)
        give_representative(cut, data=draft)

    content = export_pdf.export_pdf(project)

    fonts = sum(size for _, _, size in embedded_fonts(PdfReader(io.BytesIO(content))))
    assert fonts < DEMO_FONTS_MAX_BYTES
    assert len(content) < DEMO_PDF_MAX_BYTES
