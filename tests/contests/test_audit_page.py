"""The audit read by people (issue 16, item 6): who, when, what and before → after in words,
filtered by contest, round, person and kind, exportable, and scoped to the organizer's area."""
from __future__ import annotations

import csv
import io

from app.contests.models import Contest
from app.core.extensions import db


def _entries(client, url: str) -> str:
    """The list of entries of an audit page (not its filters)."""
    page = client.get(url).get_data(as_text=True)
    return page[page.index('data-testid="audit"'):]


def test_audit_entries_read_in_words_filter_and_export(app, client, login, world, make_user):
    login(world["organizer"])
    client.post("/organize/banks/thu/settings", data={"slug": "thu", "title": "Ngân hàng mới"})
    client.post("/organize/banks/thu/questions/new", data={
        "key": "moi", "text": "Câu mới?", "option_a": "Có", "option_b": "Không", "correct": ["B"],
        "competence": "2.3", "difficulty": "1", "tags": ""})
    page = _entries(client, "/organize/audit")
    assert "Ban Tổ Chức (Ban tổ chức)" in page
    assert "đã đổi tên ngân hàng câu hỏi" in page
    assert "Tiêu đề: Ngân hàng thử → Ngân hàng mới" in page
    assert "đã thêm một câu hỏi" in page
    only = _entries(client, "/organize/audit?kind=question.create")
    assert "đã thêm một câu hỏi" in only
    assert "Tiêu đề: Ngân hàng thử" not in only
    assert "đã thêm" not in _entries(client, f"/organize/audit?contest={world['contest_id']}")
    exported = client.get("/organize/audit.csv?kind=bank.rename")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0] == ["Nhật ký thay đổi cuộc thi và ngân hàng câu hỏi"]
    header = rows.index(["Thời điểm", "Người thực hiện", "Nội dung", "Chi tiết", "Thay đổi"])
    assert rows[header + 1][2] == "đã đổi tên ngân hàng câu hỏi"
    assert "+07:00" in rows[header + 1][0]
    # A district organizer reads none of the province's entries.
    client.post("/auth/logout")
    login(make_user(full_name="Huyện Một", roles={"organizer": "901"}))
    assert "Ngân hàng mới" not in _entries(client, "/organize/audit")


def test_round_changes_are_filed_under_their_contest(app, client, login, world):
    login(world["organizer"])
    with app.app_context():
        contest = db.session.get(Contest, world["contest_id"])
        contest_id = contest.id
    response = client.post(f"/organize/contests/{contest_id}/edit", data={
        "slug": "cuoc-thi", "title": "Cuộc thi đổi tên", "groups": ["citizen"], "eligibility": "90",
        "published": "y"})
    assert response.status_code == 302
    page = _entries(client, f"/organize/audit?contest={contest_id}")
    assert "đã thay đổi cuộc thi" in page


def test_publishing_results_reads_in_words_under_its_round_and_filters_by_round_and_person(
        app, client, login, world, make_user):
    """Publication is filed under its round and reads in words; the round filter keeps a round's
    entries only, the person filter one person's."""
    from datetime import timedelta

    from app.accounts.models import User
    from app.contests import results
    from app.contests import service as contests
    from app.contests.models import ContestRound
    from tests.contests.conftest import NOW

    colleague = make_user(full_name="Đồng Nghiệp", roles={"organizer": "90"})
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        organizer = db.session.get(User, world["organizer"].id)
        contests.finalize_round(round_, organizer, now=NOW + timedelta(days=8))
        results.publish_results(round_, db.session.get(User, colleague.id), now=NOW + timedelta(days=8))
        db.session.commit()
    login(world["organizer"])
    client.post(f"/organize/contests/{world['contest_id']}/edit", data={
        "slug": "cuoc-thi", "title": "Cuộc thi đổi tên", "groups": ["citizen"], "eligibility": "90",
        "published": "y"})
    everything = _entries(client, "/organize/audit")
    assert "đã công bố kết quả" in everything
    assert "Giấy chứng nhận đã cấp" in everything
    in_round = _entries(client, f"/organize/audit?contest={world['contest_id']}&round={world['round_id']}")
    assert "đã công bố kết quả" in in_round
    assert "đã thay đổi cuộc thi" not in in_round  # a contest-level change is not the round's
    by_colleague = _entries(client, f"/organize/audit?person={colleague.id}")
    assert "đã công bố kết quả" in by_colleague
    assert "đã thay đổi cuộc thi" not in by_colleague
