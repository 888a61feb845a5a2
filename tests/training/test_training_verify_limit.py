"""The public certificate check is rate-limited per address: past VERIFY_RATE_LIMIT every code,
valid or not, answers 429, so codes cannot be enumerated; another address is still served."""

from datetime import date

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import utcnow
from app.learn.models import Course
from app.localities.models import Locality
from app.training.models import Certificate, TrainingAssignment


def _certificate(app) -> str:
    with app.app_context():
        province = Locality(code="90", name="Tỉnh Thử", type="Tỉnh", path="/90/", depth=0, search_name="tinh thu")
        user = User(phone="0912345678", full_name="Nguyễn Thị Hương", search_name="nguyen thi huong",
                    kind="official", locality=province)
        course = Course(slug="ky-nang-so", title="Kỹ năng số cơ bản")
        db.session.add_all([province, user, course])
        db.session.flush()
        assignment = TrainingAssignment(title="Đào tạo", course_id=course.id, locality=province,
                                        due_on=date(2026, 12, 31))
        db.session.add(assignment)
        db.session.flush()
        cert = Certificate(code="valid-code-for-the-limit-test", user_id=user.id, assignment_id=assignment.id,
                           subject=course.title, full_name=user.full_name, issued_at=utcnow())
        db.session.add(cert)
        db.session.commit()
        return cert.code


def test_verify_answers_429_past_the_limit(rate_limited_app):
    app = rate_limited_app(VERIFY_RATE_LIMIT="3 per minute")
    code = _certificate(app)
    client = app.test_client()
    assert client.get(f"/verify/{code}").status_code == 200
    assert client.get("/verify/guess-1").status_code == 404
    assert client.get("/verify/guess-2").status_code == 404
    blocked = client.get(f"/verify/{code}")
    assert blocked.status_code == 429
    assert client.get("/verify/guess-3").status_code == 429
    assert "Nguyễn Thị Hương" not in blocked.get_data(as_text=True)

    other = app.test_client()
    assert other.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_the_default_limit_is_thirty_a_minute(rate_limited_app):
    app = rate_limited_app()
    assert app.config["VERIFY_RATE_LIMIT"] == "30 per minute"
    client = app.test_client()
    statuses = [client.get(f"/verify/guess-{n}").status_code for n in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429
