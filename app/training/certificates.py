"""Certificates of completed training: issuing, the PDF, public verification and revocation.

The verification code is ``secrets.token_urlsafe(16)`` (128 random bits): it cannot be guessed or
enumerated, and ``/verify/<code>`` is rate-limited besides.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.scope import in_scope
from app.core.extensions import db
from app.core.types import utcnow
from app.training.models import Certificate, TrainingEnrollment

FONT_CANDIDATES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),)
FONT_NAME = "CDS-DejaVuSans"


class CertificateError(ValueError):
    pass


def new_code() -> str:
    return secrets.token_urlsafe(16)


def issue_certificate(enrollment: TrainingEnrollment) -> Certificate:
    """The certificate of a completed enrollment, created once (caller commits)."""
    existing = db.session.scalar(
        select(Certificate).where(
            Certificate.user_id == enrollment.user_id, Certificate.assignment_id == enrollment.assignment_id
        )
    )
    if existing is not None:
        return existing
    if enrollment.completed_at is None:
        raise CertificateError("the training is not completed")
    course = enrollment.assignment.course
    user = enrollment.user
    cert = Certificate(
        code=new_code(),
        user_id=user.id,
        assignment_id=enrollment.assignment_id,
        course_title=course.title,
        full_name=user.full_name,
        issued_at=enrollment.completed_at,
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def find(code: str) -> Certificate | None:
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def can_manage(actor: User, cert: Certificate) -> bool:
    """Organizers may revoke certificates of people living in their area (admins everywhere)."""
    return in_scope(actor, ("organizer",), cert.user.locality)


def revoke(cert: Certificate, actor: User, reason: str) -> None:
    """Mark a certificate revoked; the public page says so from then on (caller commits)."""
    if not can_manage(actor, cert):
        raise CertificateError(_("You cannot revoke this certificate."))
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
        cert.revoked_reason = reason[:300]
        cert.revoked_by_id = actor.id


def _font() -> str:
    """Register a TTF font with Vietnamese glyphs once: Debian's DejaVuSans, else matplotlib's copy."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    import matplotlib

    candidates = [*FONT_CANDIDATES, Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"]
    path = next(p for p in candidates if p.exists())
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    return FONT_NAME


def render_pdf(cert: Certificate, verify_url: str) -> bytes:
    """An A4 landscape certificate: name, course, date, the code and a QR code to ``verify_url``."""
    import qrcode
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"{_('Certificate')} {cert.full_name}")
    pdf.setLineWidth(3)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 120, _("CERTIFICATE OF COMPLETION"))
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 170, _("This certifies that"))
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 215, cert.full_name)
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 260, _("has completed the training"))
    pdf.setFont(font, 20)
    pdf.drawCentredString(width / 2, height - 295, cert.course_title[:80])
    pdf.setFont(font, 12)
    pdf.drawString(70, 110, _("Date: %(date)s", date=cert.issued_at.strftime("%d/%m/%Y")))
    pdf.drawString(70, 90, _("Verification code: %(code)s", code=cert.code))
    pdf.drawString(70, 70, verify_url)
    image = qrcode.make(verify_url, box_size=4, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    pdf.drawImage(ImageReader(buffer), width - 200, 60, 130, 130)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
