"""Certificates of completed training and of contest prizes: issuing, the PDF, public verification
and revocation (one machinery for both kinds, see ``Certificate``).

The verification code is ``secrets.token_urlsafe(16)`` (128 random bits): it cannot be guessed or
enumerated, and ``/verify/<code>`` is rate-limited besides.
"""

from __future__ import annotations

import io
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.scope import in_scope
from app.core.extensions import db
from app.core.pdf import font as pdf_font
from app.core.types import TZ, utcnow
from app.training.models import Certificate, TrainingEnrollment


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
        raise CertificateError(_("The training is not completed yet."))
    course = enrollment.assignment.course
    user = enrollment.user
    cert = Certificate(
        code=new_code(),
        user_id=user.id,
        assignment_id=enrollment.assignment_id,
        kind="training",
        subject=course.title,
        issuer=default_issuer(),
        full_name=user.full_name,
        issued_at=enrollment.completed_at,
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def default_issuer() -> str:
    """The issuing authority printed when none is given (the ``CERTIFICATE_ISSUER`` setting)."""
    return str(current_app.config.get("CERTIFICATE_ISSUER") or "")


def issue_award(
    *,
    user_id: int,
    contest_round_id: int,
    full_name: str,
    subject: str,
    award: str,
    issuer: str,
    issued_at: datetime | None = None,
) -> Certificate:
    """A new certificate of a prize won in a contest round (caller commits). The person's valid
    certificate of the round, if any, must have been revoked first (one valid per round)."""
    cert = Certificate(
        code=new_code(),
        kind="contest",
        user_id=user_id,
        contest_round_id=contest_round_id,
        subject=subject[:200],
        award=award[:80],
        issuer=(issuer or default_issuer())[:200],
        full_name=full_name[:120],
        issued_at=issued_at or utcnow(),
    )
    db.session.add(cert)
    db.session.flush()
    return cert


def round_certificates(contest_round_id: int, valid_only: bool = True) -> list[Certificate]:
    """The certificates of prizes won in a contest round (the valid ones by default), by name."""
    query = select(Certificate).where(Certificate.contest_round_id == contest_round_id)
    if valid_only:
        query = query.where(Certificate.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Certificate.full_name, Certificate.id)))


def revoke_automatically(cert: Certificate, reason: str) -> None:
    """Revoke a certificate that a rule withdrew (no person acted), e.g. a prize lost when the final
    ranking changed; the public page says it was revoked (caller commits)."""
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
        cert.revoked_reason = reason[:300]
        db.session.flush()  # before a new certificate of the same round takes its place


def find_by_id(certificate_id: int) -> Certificate | None:
    return db.session.get(Certificate, certificate_id)


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


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters, at spaces."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def render_pdf(cert: Certificate, verify_url: str) -> bytes:
    """An A4 landscape certificate in the current language: the issuing authority and the national
    motto, the name, what it certifies (a completed course, or a prize in a contest round), the
    date, the code and a QR code to ``verify_url``."""
    import qrcode
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = pdf_font()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setTitle(f"{_('Certificate')} {cert.full_name}")
    pdf.setLineWidth(3)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFont(font, 11)
    for i, line in enumerate(_wrapped(cert.issuer.upper(), 40)[:3]):
        pdf.drawCentredString(190, height - 70 - 14 * i, line)
    pdf.drawCentredString(width - 210, height - 70, _("SOCIALIST REPUBLIC OF VIETNAM"))
    pdf.drawCentredString(width - 210, height - 84, _("Independence – Freedom – Happiness"))
    pdf.setFont(font, 30)
    title = _("CERTIFICATE OF AWARD") if cert.kind == "contest" else _("CERTIFICATE OF COMPLETION")
    pdf.drawCentredString(width / 2, height - 150, title)
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, height - 190, _("This certifies that"))
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 230, cert.full_name)
    pdf.setFont(font, 16)
    if cert.kind == "contest":
        pdf.drawCentredString(width / 2, height - 270, _("has won %(award)s in", award=cert.award or ""))
    else:
        pdf.drawCentredString(width / 2, height - 270, _("has completed the training"))
    pdf.setFont(font, 18)
    lines = [line for part in cert.subject.split(" — ") for line in _wrapped(part, 70)]
    for i, line in enumerate(lines[:3]):
        pdf.drawCentredString(width / 2, height - 302 - 24 * i, line)
    pdf.setFont(font, 12)
    pdf.drawString(70, 110, _("Date: %(date)s", date=cert.issued_at.astimezone(TZ).strftime("%d/%m/%Y")))
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


def erase_person(person: User) -> None:
    """A person deleted their account: their certificates are revoked and no longer name them."""
    for cert in db.session.scalars(select(Certificate).where(Certificate.user_id == person.id)):
        revoke_automatically(cert, "account deleted")
        cert.full_name = "Ẩn danh"
