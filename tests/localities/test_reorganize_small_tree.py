"""`flask localities reorganize`: merges, a split, closed units, people moved or flagged, history kept."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import User, WorkplaceUnit
from app.competency import reports
from app.core.extensions import db
from app.localities import reorganize
from app.localities.models import Locality, PendingPlacement
from app.localities.service import get_by_code

NEW_LIST = """code,name,type,parent_code
90,Tỉnh Mới,Tỉnh,
90101,Tân Thành Mới,Xã,90
99001,Hợp Nhất,Xã,90
"""
MAPPING = """old_code,new_code,share
90101,90101,
90102,90101,
90201,99001,
90202,90101,
90202,99001,
"""


@pytest.fixture
def old_tree(tree, make_locality, make_user, app):
    make_locality("90102", "Xã Tân Tiến", "Xã", parent="901")
    make_locality("90202", "Xã Phú Nghĩa", "Xã", parent="902")
    people = {
        "village": make_user(locality="9010101", full_name="Ở Thôn"),
        "merged": make_user(locality="90102", full_name="Ở Tân Tiến"),
        "split": make_user(locality="90202", full_name="Ở Phú Nghĩa"),
        "moved": make_user(locality="90201", kind="official", full_name="Ở Phú Văn"),
    }
    with app.app_context():
        db.session.add(WorkplaceUnit(name="UBND xã Phú Văn", locality=get_by_code("90201")))
        db.session.commit()
    return people


def _files(tmp_path, new_list=NEW_LIST, mapping=MAPPING):
    (tmp_path / "new.csv").write_text(new_list, encoding="utf-8")
    (tmp_path / "map.csv").write_text(mapping, encoding="utf-8")
    return str(tmp_path / "new.csv"), str(tmp_path / "map.csv")


def test_reorganization_merges_splits_and_keeps_history(runner, app, old_tree, tmp_path):
    new_list, mapping = _files(tmp_path)
    result = runner.invoke(args=["localities", "reorganize", "--date", "2025-07-01", new_list, mapping])
    assert result.exit_code == 0, result.output
    assert "People moved: 2" in result.output
    assert "People of split units waiting for a manager: 1" in result.output
    with app.app_context():
        province, kept, created = get_by_code("90"), get_by_code("90101"), get_by_code("99001")
        assert province.name == "Tỉnh Mới"
        assert kept.name == "Tân Thành Mới"
        assert kept.path == "/90/90101/"
        assert created.path == "/90/99001/"
        for code in ("901", "902", "90102", "90201", "90202"):
            assert get_by_code(code).dissolved_on == date(2025, 7, 1), code
        # The village of a kept commune follows it; the village of a closed commune moves to its new unit.
        assert get_by_code("9010101").path == "/90/90101/9010101/"
        assert get_by_code("9020101").path == "/90/99001/9020101/"
        people = {k: db.session.get(User, u.id) for k, u in old_tree.items()}
        assert people["village"].locality.code == "9010101"
        assert people["merged"].locality.code == "90101"
        assert people["moved"].locality.code == "99001"
        assert people["split"].locality.code == "90202"  # waits for a manager
        pending = db.session.scalar(db.select(PendingPlacement))
        assert pending.user_id == people["split"].id
        assert db.session.scalar(db.select(WorkplaceUnit)).locality.code == "99001"
        # Reports for earlier dates keep the old tree and names.
        before = reports.view_for(date(2025, 6, 30))
        assert before.valid_until == date(2025, 7, 1)
        old_district = reports.unit_totals("/90/902/", before)
        assert (old_district["citizens"], old_district["officials"]) == (1, 1)
        old_children = reports.child_totals(province.id, before)
        assert {c["code"] for c in old_children} == {"901", "902"}
        new_children = reports.child_totals(province.id)
        assert {c["code"] for c in new_children} == {"90101", "99001"}
        assert reports.unit_totals("/90/99001/")["officials"] == 1
        assert reports.view_for(date(2025, 7, 2)).valid_until is None


def test_manager_of_a_new_unit_places_a_flagged_person(client, app, login, make_user, old_tree, tmp_path):
    with app.app_context():
        plan = reorganize.load_plan(*_files(tmp_path))
        assert reorganize.validate_plan(plan, date(2025, 7, 1)).ok
        reorganize.apply_plan(plan, date(2025, 7, 1))
        db.session.commit()
        target = get_by_code("99001").id
        pending_id = db.session.scalar(db.select(PendingPlacement.id))
    stranger = make_user(roles={"manager": "9010101"})
    login(stranger)
    assert old_tree["split"].full_name not in client.get("/insights/placements").get_data(as_text=True)
    client.post("/auth/logout")
    manager = make_user(roles={"manager": "99001"})
    login(manager)
    page = client.get("/insights/placements").get_data(as_text=True)
    assert old_tree["split"].full_name in page
    response = client.post("/insights/placements", data={"placement": pending_id, "locality": target})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, old_tree["split"].id).locality.code == "99001"
        assert db.session.get(PendingPlacement, pending_id).resolved_at is not None


def test_invalid_files_are_reported_by_line_and_nothing_changes(runner, app, old_tree, tmp_path):
    bad_new = NEW_LIST + "99002,Không Cha,Xã,77\n"
    bad_map = "old_code,new_code\n90101,90101\n12345,90101\n90102,99999\n90201,99001\n"
    result = runner.invoke(
        args=["localities", "reorganize", "--date", "2025-07-01", *_files(tmp_path, bad_new, bad_map)]
    )
    assert result.exit_code != 0
    # Errors name the line ("Line N (column)" in English, "Dòng N (column)" in Vietnamese).
    lines = {line.split(" (")[0].split()[-1]: line for line in result.output.splitlines() if " (" in line}
    assert "77" in lines["5"]
    assert "12345" in lines["3"]
    assert "99999" in lines["4"]
    assert "90202" in result.output  # has people, mapped nowhere
    assert "nothing was changed" in result.output
    with app.app_context():
        assert get_by_code("901").dissolved_on is None
        assert get_by_code("99001") is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Locality)) == 9


def test_split_with_shares_deals_people_out(app, make_locality, make_user, tree, tmp_path):
    for n in range(4):
        make_user(locality="90201", full_name=f"Người {n}")
    new_list = "code,name,type,parent_code\n90,P,Tỉnh,\n91001,A,Xã,90\n91002,B,Xã,90\n90101,C,Xã,90\n"
    mapping = "old_code,new_code,share\n90201,91001,0.75\n90201,91002,0.25\n90101,90101,\n"
    with app.app_context():
        plan = reorganize.load_plan(*_files(tmp_path, new_list, mapping))
        assert reorganize.validate_plan(plan, date(2025, 7, 1)).ok
        summary = reorganize.apply_plan(plan, date(2025, 7, 1))
        db.session.commit()
        assert (summary.people_moved, summary.people_flagged) == (4, 0)
        counts = dict(
            db.session.execute(
                db.select(Locality.code, db.func.count(User.id))
                .join(User, User.locality_id == Locality.id)
                .group_by(Locality.code)
            ).all()
        )
        assert counts == {"91001": 3, "91002": 1}


def test_role_grants_follow_merged_units_and_others_are_listed(runner, app, old_tree, make_user, tmp_path):
    from app.accounts.models import RoleGrant

    merged_manager = make_user(phone="0911000001", roles={"manager": "90102", "helper": "90201"})
    already = make_user(phone="0911000002", roles={"manager": "90201"})
    split_manager = make_user(phone="0911000003", roles={"manager": "90202"})
    district_manager = make_user(phone="0911000004", roles={"manager": "901"})
    new_list, mapping = _files(tmp_path)
    result = runner.invoke(args=["localities", "reorganize", "--date", "2025-07-01", new_list, mapping])
    assert result.exit_code == 0, result.output
    assert "Role grants moved to the new unit: 3" in result.output
    assert "Role grants on closed units left for an administrator: 2" in result.output
    assert "  0911000003 manager 90202 (→ 90101, 99001)" in result.output
    assert "  0911000004 manager 901 (→ no new unit)" in result.output
    with app.app_context():
        def grants(user):
            return sorted((g.role, g.locality.code) for g in db.session.scalars(
                db.select(RoleGrant).where(RoleGrant.user_id == user.id)))

        assert grants(merged_manager) == [("helper", "99001"), ("manager", "90101")]
        assert grants(already) == [("manager", "99001")]
        assert grants(split_manager) == [("manager", "90202")]
        assert grants(district_manager) == [("manager", "901")]


def test_a_grant_already_held_on_the_new_unit_is_not_duplicated(app, old_tree, make_user, make_locality,
                                                                 tmp_path):
    from app.accounts.models import RoleGrant

    make_locality("99001", "Hợp Nhất", "Xã", parent="902")
    both = make_user(phone="0911000005", roles={"manager": "90201"})
    with app.app_context():
        from app.accounts.service import grant_role

        grant_role(db.session.get(User, both.id), "manager", get_by_code("99001"))
        db.session.commit()
        new_list, mapping = _files(tmp_path)
        plan = reorganize.load_plan(new_list, mapping)
        assert reorganize.validate_plan(plan, date(2025, 7, 1)).ok
        summary = reorganize.apply_plan(plan, date(2025, 7, 1))
        db.session.commit()
        assert (summary.grants_moved, summary.grants_merged) == (0, 1)
        codes = [g.locality.code for g in db.session.scalars(
            db.select(RoleGrant).where(RoleGrant.user_id == both.id))]
        assert codes == ["99001"]
