"""Chinese fonts for reportlab PDFs: embedded TrueType fonts, a title/heading/body hierarchy.

By default the two fonts shipped in ``tracker/reports/fontfiles/`` are embedded (subset by
reportlab to the glyphs a document uses), so a frozen PDF never depends on the reader's fonts
and nothing is looked up on the system or the network:

- body and title (仿宋 / 小标宋 in GB/T 9704; here a serif): Noto Serif SC;
- headings and the issuing office's red header (黑体): Noto Sans SC.

Both are SIL Open Font License 1.1, subset to GB 2312 by ``tracker/tooling/build_fonts.py``.
``REPORT_FONT_PATH`` (env TRACKER_REPORT_FONT_PATH) names one .ttf/.ttc to embed for every role
instead (e.g. a licensed 仿宋 with full GBK coverage); a CFF-based .otf cannot be embedded by
reportlab and is refused with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fontfiles"
BUNDLED = {
    "TrackerSerifSC": FONT_DIR / "NotoSerifSC-GB2312.ttf",
    "TrackerSansSC": FONT_DIR / "NotoSansSC-GB2312.ttf",
}
EMBEDDED_FONT = "TrackerCJK"


@dataclass(frozen=True)
class FontSet:
    """Registered font names per typographic role."""

    title: str
    heading: str
    body: str


def font_problem(path: str) -> str | None:
    """Why the configured font cannot be used, or None."""
    if not path:
        return None
    p = Path(path)
    if not p.is_file():
        return f"REPORT_FONT_PATH：字体文件不存在 / font file not found: {path}"
    suffix = p.suffix.lower()
    if suffix not in (".ttf", ".ttc", ".otf"):
        return f"REPORT_FONT_PATH：只支持 .ttf/.ttc 字体 / only .ttf or .ttc fonts: {path}"
    with p.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"OTTO":
        return (
            "REPORT_FONT_PATH：CFF 轮廓的 .otf 字体无法嵌入，请改用 .ttf/.ttc / "
            f"a CFF-based .otf cannot be embedded, use a TrueType .ttf/.ttc: {path}"
        )
    if magic not in (b"\x00\x01\x00\x00", b"true", b"ttcf"):
        return f"REPORT_FONT_PATH：不是 TrueType 字体 / not a TrueType font: {path}"
    return None


def _register(name: str, path: Path | str) -> str:
    if name not in pdfmetrics.getRegisteredFontNames():
        kwargs = {"subfontIndex": 0} if str(path).lower().endswith(".ttc") else {}
        pdfmetrics.registerFont(TTFont(name, str(path), **kwargs))
    return name


def register_fonts() -> FontSet:
    """Register the report fonts and return their names per role (always embedded)."""
    path = getattr(settings, "REPORT_FONT_PATH", "")
    if path:
        problem = font_problem(path)
        if problem:
            raise ImproperlyConfigured(problem)
        name = _register(EMBEDDED_FONT, path)
        return FontSet(title=name, heading=name, body=name)
    serif = _register("TrackerSerifSC", BUNDLED["TrackerSerifSC"])
    sans = _register("TrackerSansSC", BUNDLED["TrackerSansSC"])
    return FontSet(title=serif, heading=sans, body=serif)


def register_font() -> str:
    """The body font's name (tables, catalogue PDFs)."""
    return register_fonts().body
