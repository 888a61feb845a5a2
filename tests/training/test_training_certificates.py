"""Certificates: PDF with Vietnamese text, QR code, public verification valid / revoked / unknown."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.accounts.models import User
from app.core import pdf
from app.core.extensions import db
from app.core.types import utcnow
from app.learn.models import Course, Lesson, LessonProgress
from app.localities.service import get_by_code
from app.training import certificates
from app.training import service as training
from app.training.models import Certificate, TrainingEnrollment


@pytest.fixture
def certificate(app, tree, make_user):
    with app.app_context():
        course = Course(slug="cds", title="Kỹ năng số cơ bản cho cán bộ")
        course.lessons = [Lesson(slug="l1", title="Bài 1")]
        db.session.add(course)
        organizer = make_user(roles={"organizer": "901"})
        official = make_user(kind="official", locality="90101", full_name="Nguyễn Thị Hương")
        db.session.commit()
        training.create_assignment(
            db.session.get(User, organizer.id),
            title="Đào tạo",
            course=course,
            locality=get_by_code("901"),
            due_on=date(2030, 1, 1),
        )
        db.session.add(
            LessonProgress(user_id=official.id, lesson_id=course.lessons[0].id, completed_at=utcnow())
        )
        db.session.flush()
        training.update_progress(list(db.session.scalars(db.select(TrainingEnrollment))))
        db.session.commit()
        cert = db.session.scalar(db.select(Certificate))
        return {"code": cert.code, "id": cert.id, "official": official, "organizer_id": organizer.id}


def test_codes_are_long_and_random():
    codes = {certificates.new_code() for _ in range(100)}
    assert len(codes) == 100
    assert all(len(c) >= 22 for c in codes)


def test_verify_valid_revoked_and_unknown(client, app, certificate):
    page = client.get(f"/verify/{certificate['code']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-state="valid"' in html
    assert "Nguyễn Thị Hương" in html
    assert "Kỹ năng số cơ bản" in html
    assert client.get("/verify/" + "A" * 22).status_code == 404
    with app.app_context():
        cert = db.session.get(Certificate, certificate["id"])
        certificates.revoke(cert, db.session.get(User, certificate["organizer_id"]), "Thi hộ")
        db.session.commit()
    assert 'data-state="revoked"' in client.get(f"/verify/{certificate['code']}").get_data(as_text=True)


def test_verification_carries_the_configured_rate_limit(app):
    """The limit itself is Flask-Limiter's job; here: /verify is decorated with VERIFY_RATE_LIMIT
    (the test configuration disables limiting, so this is checked on the registered limit)."""
    from app.core.extensions import limiter

    limits = {
        name: route_limits
        for name, route_limits in limiter.limit_manager._decorated_limits.items()
        if name.endswith("verify.verify")
    }
    assert len(limits) == 1
    (route_limit,) = next(iter(limits.values()))
    with app.app_context():
        assert route_limit.limit_provider() == app.config["VERIFY_RATE_LIMIT"] == "30 per minute"


def test_pdf_embeds_a_vietnamese_font_and_the_code(client, login, certificate):
    login(certificate["official"])
    response = client.get(f"/training/certificates/{certificate['id']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF")
    assert b"DejaVuSans" in data
    from reportlab.pdfbase import pdfmetrics

    font = pdfmetrics.getFont(pdf.FONT_NAME)
    # Every character of the Vietnamese name has a glyph in the embedded font.
    assert all(ord(ch) in font.face.charToGlyph for ch in "Nguyễn Thị Hương ợ ữ")
    assert io.BytesIO(data).getbuffer().nbytes > 2000


def test_other_people_cannot_download_someone_elses_certificate(client, login, make_user, certificate):
    login(make_user(locality="90101"))
    assert client.get(f"/training/certificates/{certificate['id']}.pdf").status_code == 404


def test_organizer_of_another_district_cannot_revoke(client, login, make_user, certificate):
    login(make_user(roles={"organizer": "902"}))
    assert (
        client.post(f"/training/certificates/{certificate['id']}/revoke", data={"reason": "x"}).status_code
        == 404
    )
