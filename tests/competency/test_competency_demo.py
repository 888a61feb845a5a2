"""`flask demo seed` fills the competency area: evidence and levels for demo citizens, required
training for the demo province's officials with a certificate for the demo official, and
dashboard figures; running it twice changes nothing."""

from sqlalchemy import func, select

from app.accounts.models import User
from app.competency.models import Evidence, LocalityStat, PersonLevel
from app.core.extensions import db
from app.learn.models import LessonProgress
from app.training.models import Certificate, TrainingAssignment, TrainingEnrollment

COUNTED = (User, Evidence, PersonLevel, LessonProgress, TrainingAssignment, TrainingEnrollment, Certificate)


def snapshot() -> dict:
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}
    counts["evidence"] = sorted(db.session.execute(select(
        Evidence.user_id, Evidence.source, Evidence.ref, Evidence.competence_code, Evidence.success,
        Evidence.occurred_at)).all())
    counts["stats"] = sorted(tuple(r) for r in db.session.execute(select(
        LocalityStat.locality_id, LocalityStat.learners, LocalityStat.lessons_completed,
        LocalityStat.training_required, LocalityStat.training_completed)).all())
    counts["certificates"] = sorted(db.session.scalars(select(Certificate.code)))
    return counts


def test_demo_seed_is_idempotent_and_fills_the_dashboards(app, runner, client):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = snapshot()
        citizen = db.session.scalar(select(User).where(User.phone == "0900000006"))
        official = db.session.scalar(select(User).where(User.phone == "0900000004"))
        assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.user_id == citizen.id))
        assert db.session.get(PersonLevel, citizen.id).level >= 1
        generated = db.session.scalars(select(User).where(User.email.like("demo-citizen-%@example.invalid"))).all()
        assert len(generated) >= 10
        assert all(u.is_demo and u.is_assisted and u.password_hash is None for u in generated)
        assert len({u.locality_id for u in generated}) > 5
        cert = db.session.scalar(select(Certificate).where(Certificate.user_id == official.id))
        assert cert is not None
        assert cert.revoked_at is None
        enrollment = db.session.scalar(select(TrainingEnrollment).where(TrainingEnrollment.user_id == official.id))
        assert enrollment.completed_at is not None
        assert enrollment.assignment.target_role == "official"

    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert snapshot() == before

    login = client.post("/auth/login", data={"login": "0900000003", "password": "demo12345"})
    assert login.status_code == 302
    page = client.get("/insights/unit/75")
    assert page.status_code == 200
    # Today's figures are under Đồng Nai's communes: no district in between.
    html = page.get_data(as_text=True)
    assert "Tỉnh Đồng Nai" in html
    assert 'data-testid="drill-25318"' in html  # Xã Tân Tiến
    assert "Huyện" not in html.split('id="child-table"')[1].split("</table>")[0]
    # Before 1 July 2025 Đồng Nai's new communes did not exist ...
    assert client.get("/insights/unit/75?on=2025-06-30").status_code == 404
    # ... and the manager of Đồng Nai, which took over Bình Phước, reads Bình Phước's past.
    old_province = client.get("/insights/unit/70?on=2025-06-30")
    assert old_province.status_code == 200
    assert "Tỉnh Bình Phước" in old_province.get_data(as_text=True)
    assert client.get("/insights/unit/70").status_code == 404  # not today: it is closed and not theirs
    with app.app_context():
        from app.competency import reports

        totals = reports.unit_totals(db.session.scalar(select(User).where(User.phone == "0900000003"))
                                     .grants[0].locality.path)
    assert totals["learners"] > 0
    assert totals["lessons_completed"] > 0
    assert totals["training_completed"] >= 1
    with app.app_context():
        # Every enrollment of the demo province's officials is counted (not only the assigner's).
        assert totals["training_required"] == db.session.scalar(select(func.count()).select_from(
            TrainingEnrollment).join(TrainingAssignment).where(TrainingAssignment.locality.has(code="75")))
    assert sum(totals[f"level_{n}"] for n in range(1, 9)) > 0
    assert client.get(f"/verify/{before['certificates'][0]}").status_code == 200
