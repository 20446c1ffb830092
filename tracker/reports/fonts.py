"""Chinese fonts for reportlab PDFs: the built-in STSong-Light CID font, or an embedded TrueType.

``REPORT_FONT_PATH`` (env TRACKER_REPORT_FONT_PATH) names a .ttf/.ttc to embed; a CFF-based
.otf cannot be embedded by reportlab and is refused with a clear message.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT = "STSong-Light"
EMBEDDED_FONT = "TrackerCJK"


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


def register_font() -> str:
    """Register and return the font name to use in PDFs."""
    path = getattr(settings, "REPORT_FONT_PATH", "")
    if path:
        problem = font_problem(path)
        if problem:
            raise ImproperlyConfigured(problem)
        if EMBEDDED_FONT not in pdfmetrics.getRegisteredFontNames():
            kwargs = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, **kwargs))
        return EMBEDDED_FONT
    if DEFAULT_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(DEFAULT_FONT))
    return DEFAULT_FONT
