"""Documents of a round's results for the organizer: the list of winners per district as a PDF and
the winners' certificates in one ZIP."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask_babel import gettext as _

from app.contests.models import ContestRound
from app.contests.results import Winner, round_label, winners_by_district
from app.core.pdf import font as pdf_font
from app.core.types import TZ, utcnow
from app.training import certificates


def group_label(grp: str) -> str:
    return _("Officials") if grp == "official" else _("Citizens")


def winners_pdf(round_: ContestRound) -> bytes:
    """The printable list of winners per district (A4, full names, one table per district)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    text = ParagraphStyle("text", fontName=font, fontSize=9, leading=11)
    heading = ParagraphStyle("heading", fontName=font, fontSize=13, leading=16, spaceBefore=8)
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=36, rightMargin=36, topMargin=36, bottomMargin=36,
                            title=_("Winners"))
    story: list = [
        Paragraph(_("List of winners"), title),
        Paragraph(round_label(round_), text),
        Paragraph(_("Printed on %(when)s (Vietnam time)", when=utcnow().astimezone(TZ).strftime("%d/%m/%Y %H:%M")),
                  text),
    ]
    header = [_("Prize"), _("Rank"), _("Full name"), _("Birth year"), _("Group"), _("Locality"),
              _("Workplace unit"), _("Score")]
    for district, people in winners_by_district(round_):
        story += [Spacer(1, 6), Paragraph(district, heading)]
        rows = [[Paragraph(str(cell), text) for cell in header]]
        rows += [[Paragraph(str(cell), text) for cell in _row(w)] for w in people]
        table = Table(rows, colWidths=[62, 32, 100, 38, 50, 110, 80, 36], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    if len(story) == 3:
        story.append(Paragraph(_("No winners."), text))
    doc.build(story)
    return out.getvalue()


def winners_table(round_: ContestRound) -> tuple[list[str], list[list]]:
    """The list of winners per district as a table (headers in the UI's language), for the one
    export writer (``app.core.exports``)."""
    header = [_("District"), _("Prize"), _("Rank"), _("Full name"), _("Birth year"), _("Group"), _("Locality"),
              _("Locality code"), _("Workplace unit"), _("Phone"), _("Score")]
    rows = [
        [district, w.prize, w.rank, w.full_name, w.birth_year or "", group_label(w.grp), w.locality,
         w.locality_code, w.unit, w.phone, w.score]
        for district, people in winners_by_district(round_)
        for w in people
    ]
    return header, rows


def _row(w: Winner) -> list:
    return [w.prize, w.rank, w.full_name, w.birth_year or "", group_label(w.grp), w.locality, w.unit, w.score]


def certificates_zip(round_: ContestRound, verify_url: Callable[[str], str]) -> bytes:
    """Every valid certificate of the round's winners as PDFs in one ZIP, named by winner."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for cert in certificates.round_certificates(round_.id):
            name = f"{cert.award}-{cert.full_name}-{cert.id}.pdf".replace("/", "-")
            archive.writestr(name, certificates.render_pdf(cert, verify_url(cert.code)))
    return out.getvalue()
