"""GET /api/v1/indicators: a unit's indicators and its children's on a date, for a manager's or
organizer's token over the unit, with the dashboard's numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.competency import reports
from app.core.extensions import db
from app.core.types import TZ, utcnow


@pytest.fixture
def token_for(app):
    def issue(user) -> dict[str, str]:
        from app.accounts.models import User
        from app.accounts.tokens import issue_token

        with app.app_context():
            token, _row = issue_token(db.session.get(User, user.id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


@pytest.fixture
def figures(app, tree, make_user):
    """Three people in district 901 (one official), one learner among them, one person in 902."""
    from app.learn.models import Course, Lesson, LessonProgress

    learner = make_user(locality="9010101")
    make_user(locality="9010101")
    make_user(locality="9010101", kind="official")
    make_user(locality="9020101")
    with app.app_context():
        course = Course(slug="c", title="C", lessons=[Lesson(slug="l", title="L")])
        db.session.add(course)
        db.session.flush()
        db.session.add(LessonProgress(user_id=learner.id, lesson_id=course.lessons[0].id))
        reports.refresh_reports(full=True)
        db.session.commit()
    return tree


def _by_key(unit: dict) -> dict[str, dict]:
    return {i["indicator"]: i for i in unit["indicators"]}


def test_a_manager_gets_the_unit_and_its_children(client, figures, make_user, token_for):
    headers = token_for(make_user(roles={"manager": "90"}))
    answer = client.get("/api/v1/indicators?locality=90", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["locality"]["code"] == "90"
    share = _by_key(body["locality"])["learner_share"]
    assert (share["numerator"], share["denominator"], share["value"], share["kind"]) == (1, 4, 25.0, "share")
    assert _by_key(body["locality"])["registered_people"]["value"] == 4
    assert body["as_of"] is not None
    assert body["date"] == utcnow().astimezone(TZ).date().isoformat()  # today in Asia/Ho_Chi_Minh
    children = {c["code"]: _by_key(c) for c in body["children"]}
    assert set(children) == {"901", "902"}
    assert (children["901"]["learner_share"]["numerator"], children["901"]["learner_share"]["denominator"]) == (1, 3)
    assert children["902"]["learner_share"]["value"] == 0.0


def test_the_api_gives_the_dashboards_numbers(client, figures, make_user, token_for, login):
    manager = make_user(roles={"manager": "901"})
    api = client.get("/api/v1/indicators?locality=901", headers=token_for(manager)).get_json()
    login(manager)
    html = client.get("/insights/unit/901").get_data(as_text=True)
    tiles = {key: (int(num), int(den) if den else None) for key, num, den in re.findall(
        r'data-testid="kpi-([a-z0-9_]+)" data-numerator="(\d+)" data-denominator="(\d*)"', html)}
    assert tiles
    from_api = {k: (v["numerator"], v["denominator"]) for k, v in _by_key(api["locality"]).items()}
    assert tiles == {k: from_api[k] for k in tiles}


def test_an_organizer_may_read_their_area(client, figures, make_user, token_for):
    headers = token_for(make_user(roles={"organizer": "901"}))
    assert client.get("/api/v1/indicators?locality=90101", headers=headers).status_code == 200


@pytest.mark.parametrize(("roles", "code", "status"), [
    ({"manager": "902"}, "901", 403),  # another district
    ({"manager": "901"}, "90", 403),  # above the area
    ({}, "901", 403),  # a citizen
    ({"helper": "9010101"}, "9010101", 403),  # a helper is not a leader
    ({"manager": "901"}, "999", 404),
])
def test_scope_and_unknown_units(client, figures, make_user, token_for, roles, code, status):
    headers = token_for(make_user(roles=roles))
    answer = client.get(f"/api/v1/indicators?locality={code}", headers=headers)
    assert answer.status_code == status
    assert answer.get_json()["error"]["status"] == status


@pytest.mark.parametrize("query", ["", "?locality=", "?locality=901&date=2025-13-01", "?locality=901&date=hôm-nay",
                                   f"?locality=901&date={(utcnow().astimezone(TZ).date() + timedelta(days=1)).isoformat()}"])
def test_bad_input_is_a_400(client, figures, make_user, token_for, query):
    headers = token_for(make_user(roles={"manager": "901"}))
    answer = client.get(f"/api/v1/indicators{query}", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"]


def test_without_a_token_it_is_a_401(client, figures):
    answer = client.get("/api/v1/indicators?locality=901")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_date_before_a_reorganization_reads_the_figures_of_that_time(app, client, figures, make_user,
                                                                        token_for):
    headers = token_for(make_user(roles={"manager": "90"}))
    with app.app_context():
        reports.archive_reports(date(2025, 7, 1))
        db.session.commit()
    body = client.get("/api/v1/indicators?locality=90&date=2025-06-30", headers=headers).get_json()
    assert body["figures_before"] == "2025-07-01"
    assert body["date"] == "2025-06-30"
    assert _by_key(body["locality"])["registered_people"]["value"] == 4
    today = client.get("/api/v1/indicators?locality=90&date=2025-07-01", headers=headers).get_json()
    assert today["figures_before"] is None


def test_leaders_of_the_units_that_took_over_read_their_past(app, client, tree, make_user, make_locality,
                                                             token_for, login):
    """After a reorganization a closed unit's past is readable by the leaders of the units that took
    over *all* of it, not by the leaders of a unit that took over only a part."""
    from app.localities import reorganize
    from app.localities.models import Locality

    make_user(locality="9010101")
    make_user(locality="9020101")
    with app.app_context():
        reports.refresh_reports(full=True)
        db.session.commit()
    new_list = "code,name,type,parent_code\n90,Tỉnh Thử,Tỉnh,\n90301,Xã Mới,Xã,90\n90202,Xã Khác,Xã,90\n"
    mapping = "old_code,new_code\n90101,90301\n90201,90202\n"
    with app.app_context():
        from app.core.tabular import read_table

        plan = reorganize.Plan(read_table(new_list.encode(), "new.csv", reorganize.IMPORT_COLUMNS),
                               read_table(mapping.encode(), "map.csv", reorganize.MAPPING_COLUMNS))
        assert reorganize.validate_plan(plan, date(2025, 7, 1)).ok
        reorganize.apply_plan(plan, date(2025, 7, 1))
        db.session.commit()
        assert db.session.scalar(db.select(Locality.path).where(Locality.code == "9010101")) == "/90/90301/9010101/"
    heir = make_user(roles={"manager": "90301"})
    other = make_user(roles={"manager": "90202"})
    past = "/api/v1/indicators?locality=90101&date=2025-06-30"
    body = client.get(past, headers=token_for(heir)).get_json()
    assert body["locality"]["name"] == "Xã Tân Thành"
    assert _by_key(body["locality"])["registered_people"]["value"] == 1
    assert client.get("/api/v1/indicators?locality=90101", headers=token_for(heir)).status_code == 403
    assert client.get(past, headers=token_for(other)).status_code == 403
    # the old district 901 went only to the heir's commune: theirs; 90 stays the province above them
    assert client.get("/api/v1/indicators?locality=901&date=2025-06-30", headers=token_for(heir)).status_code == 200
    assert client.get("/api/v1/indicators?locality=90&date=2025-06-30", headers=token_for(heir)).status_code == 403
    login(heir)
    assert client.get("/insights/unit/90101?on=2025-06-30").status_code == 200
    assert client.get("/insights/unit/90201?on=2025-06-30").status_code == 404
