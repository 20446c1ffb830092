"""Build the report fonts shipped in tracker/reports/fontfiles/ (a developer tool, not run time).

reportlab embeds TrueType (glyf) outlines only, and the freely licensed Chinese fonts come as
CFF-based OpenType (Noto Serif SC / Noto Sans SC, SIL Open Font License 1.1, from the PyPI
package ``pylopdf-fonts-zh-cn``). This script subsets them to GB 2312 (6,763 hanzi, ASCII,
Latin-1, CJK and full-width punctuation, circled numbers, arrows) and converts the cubic CFF
outlines to quadratic glyf outlines (fontTools' cu2qu), so each file stays near 2-3 MB::

    pip download --no-deps pylopdf-fonts-zh-cn -d /tmp/f && unzip -o /tmp/f/*.whl -d /tmp/f
    python -m tracker.tooling.build_fonts /tmp/f/pylopdf_fonts_zh_cn

Needs ``fonttools`` (requirements-dev.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "reports" / "fontfiles"
FONTS = {
    "NotoSerifSC-Regular.otf": "NotoSerifSC-GB2312.ttf",
    "NotoSansSC-Regular.otf": "NotoSansSC-GB2312.ttf",
}
EXTRA_RANGES = [
    (0x20, 0x7F),
    (0xA0, 0x100),
    (0x2000, 0x2070),
    (0x2150, 0x2300),
    (0x2460, 0x2500),
    (0x25A0, 0x2600),
    (0x3000, 0x3040),
    (0xFF00, 0xFFF0),
]


def gb2312_codepoints() -> set[int]:
    chars = {c for lo, hi in EXTRA_RANGES for c in range(lo, hi)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def cff_to_glyf(font) -> None:
    """Replace the CFF table by glyf/loca with the same glyphs (quadratic outlines)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def build(source_dir: Path) -> None:
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont

    OUT.mkdir(parents=True, exist_ok=True)
    for source, target in FONTS.items():
        font = TTFont(source_dir / source)
        options = Options()
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.desubroutinize = True
        options.drop_tables += ["VORG", "vhea", "vmtx", "GSUB", "GPOS", "GDEF", "BASE"]
        subsetter = Subsetter(options)
        subsetter.populate(unicodes=gb2312_codepoints())
        subsetter.subset(font)
        cff_to_glyf(font)
        font.save(OUT / target)
        print(f"{OUT / target}: {(OUT / target).stat().st_size:,} bytes")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
