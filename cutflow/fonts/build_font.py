"""Rebuilds CutflowSans-Regular.ttf from Noto Sans CJK KR (run by hand, not by the app).

    python cutflow/fonts/build_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Debian's ``fonts-noto-cjk`` package holds the collection. The script keeps the characters a
storyboard caption needs (below), drops layout, hinting and vertical tables, and turns the
cubic (CFF) outlines into quadratic TrueType ones, because ReportLab embeds TrueType only.
Needs fontTools (a dev dependency).
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "CutflowSans-Regular.ttf"
FAMILY = "Cutflow Sans"
KOREAN_FACE = 1  # the collection's faces: JP, KR, SC, TC, HK, then the Mono ones
# Outline error allowed when curves become quadratic, in font units (1000 per em).
MAX_ERROR = 1.0

RANGES = [
    (0x0020, 0x024F),  # Latin: ASCII, Latin-1, Extended-A and -B
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x27BF),  # punctuation, currency, arrows, maths, shapes, symbols, dingbats
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31F0, 0x32FF),  # small katakana, enclosed CJK letters and months
    (0xAC00, 0xD7A3),  # every Hangul syllable
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
    (0xFFFD, 0xFFFD),  # replacement character
]
# Ideographs: those of the national character sets (simplified Chinese GB 2312, Japanese
# JIS X 0208, Korean KS X 1001, traditional Chinese Big5 level 1): about 10,500 of the
# 21,000 unified ideographs, and nearly all of those in everyday text.
NATIONAL_SETS = [
    ("gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF)),
    ("euc_jp", range(0xA1, 0xFF), range(0xA1, 0xFF)),
    ("euc_kr", range(0xA1, 0xFF), range(0xA1, 0xFF)),
    ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
]


def caption_codepoints() -> set[int]:
    codepoints = {point for first, last in RANGES for point in range(first, last + 1)}
    for codec, leads, trails in NATIONAL_SETS:
        for lead in leads:
            for trail in trails:
                try:
                    text = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                codepoints.update(ord(char) for char in text if 0x4E00 <= ord(char) <= 0x9FFF)
    return codepoints


def subset_face(collection_path: str):
    font = TTCollection(collection_path).fonts[KOREAN_FACE]
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GDEF", "GPOS", "GSUB"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=caption_codepoints())
    subsetter.subset(font)
    return font


def to_truetype(font) -> None:
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    for field in ("maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, field, 0)
    maxp.maxComponentElements = max(
        (len(glyph.components) for glyph in glyf.glyphs.values() if glyph.isComposite()),
        default=0,
    )
    maxp.maxComponentDepth = 1 if maxp.maxComponentElements else 0
    # Glyph names are not needed to draw or embed: format 3 leaves them out.
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6):
            names.removeNames(nameID=record.nameID)
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular; subset of Noto Sans CJK KR", 3, 3, 1, 0x409)
    names.setName(f"{FAMILY} Regular", 4, 3, 1, 0x409)
    names.setName("CutflowSans-Regular", 6, 3, 1, 0x409)


def main(collection_path: str) -> None:
    font = subset_face(collection_path)
    to_truetype(font)
    rename(font)
    font.save(OUTPUT)
    print(f"{OUTPUT.name}: {len(font.getGlyphOrder())} glyphs, {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
