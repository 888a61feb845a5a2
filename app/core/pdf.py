"""What every PDF the product makes shares: a font with Vietnamese glyphs (reportlab)."""

from __future__ import annotations

from pathlib import Path

FONT_CANDIDATES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)
FONT_NAME = "CDS-DejaVuSans"


def font() -> str:
    """Register a TTF font with Vietnamese glyphs once (Debian's DejaVuSans, else matplotlib's
    copy) and return its reportlab name: reportlab's built-in fonts have no Vietnamese diacritics."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    import matplotlib

    candidates = [*FONT_CANDIDATES, Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"]
    path = next(p for p in candidates if p.exists())
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    return FONT_NAME
