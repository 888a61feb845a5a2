"""Results of a round: the public results page (masked winners, collective prizes as the contest's
rule says, the true all-correct count), the organizer's list of winners per district (page and PDF),
the winners' certificates (one by one, in a ZIP, verifiable, revoked when the prize is lost) and
rounds that finalize themselves (``flask contests finalize-due``)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine

from app.contests.models import Contest, ContestRound
from app.core.extensions import db
from app.core.models import AuditEvent
from app.training.models import Certificate
from tests.contests.conftest import NOW, right_answers

AFTER_CLOSE = NOW + timedelta(days=8)


def _submit(app, round_id: int, people: list, wrong: list[int] | None = None) -> None:
    """Each person submits once, one second apart; ``wrong[i]`` answers of person i are wrong."""
    from app.contests.attempts import start_attempt, submit_attempt

    with app.app_context():
        round_ = db.session.get(ContestRound, round_id)
        for i, person in enumerate(people):
            attempt = start_attempt(round_, person.id, now=NOW)
            answers = right_answers(attempt)
            for key in list(answers)[: (wrong or [0] * len(people))[i]]:
                answers[key] = [2]
            submit_attempt(attempt, answers, 3, now=NOW + timedelta(seconds=60 + i))
        db.session.commit()


def _set_headcounts(app, **by_code: int) -> None:
    from app.localities.service import get_by_code

    with app.app_context():
        for code, n in by_code.items():
            get_by_code(code).headcount = n
        db.session.commit()


@pytest.fixture
def finished(app, world, register):
    """Five citizens (three in district 901, two in 902) took round 1 and it closed; the third
    answered one question wrong, so four answered everything correctly."""
    people = [
        register(name="Nguyễn Văn An", locality="9010101"),
        register(name="Trần Thị Bình", locality="9020101"),
        register(name="Lê Văn Cường", locality="9010101"),
        register(name="Phạm Thị Dung", locality="90101"),
        register(name="Hoàng Văn Em", locality="9020101"),
    ]
    _submit(app, world["round_id"], people, wrong=[0, 0, 1, 0, 0])
    _set_headcounts(app, **{"901": 10, "902": 4})
    return people


def _finalize(client, world) -> None:
    response = client.post(f"/organize/rounds/{world['round_id']}/finalize")
    assert response.status_code == 302


def test_results_page_is_public_once_published_with_masked_winners_and_the_true_all_correct_count(
    app, client, login, world, finished
):
    url = "/contests/cuoc-thi/rounds/1/results"
    with time_machine.travel(AFTER_CLOSE, tick=False):
        login(world["organizer"])
        _finalize(client, world)
        assert client.get(url).status_code == 404  # finalized is not yet published
        response = client.post(f"/organize/rounds/{world['round_id']}/publish", follow_redirects=True)
        assert "3 giấy chứng nhận" in response.get_data(as_text=True)
        client.post("/auth/logout")
        page = client.get(url).get_data(as_text=True)
    assert "Nguyễn V. A" in page
    assert "Nguyễn Văn An" not in page
    winners = page.split('data-testid="winners-citizen"')[1].split("</table>")[0]
    assert winners.index("Nguyễn V. A") < winners.index("Trần T. B") < winners.index("Phạm T. D")
    assert winners.count("Nhất") == 1
    assert winners.count("Nhì") == 2
    assert "Lê V. C" not in winners
    assert "Hoàng V. E" not in winners
    assert 'data-testid="all-correct"' in page
    assert ": 4</p>" in page
    # Collective prizes by participation rate: Huyện Hai 2/4 = 50% ahead of Huyện Một 3/10 = 30%.
    localities = page.split('data-testid="collective-localities"')[1].split("</table>")[0]
    assert localities.index("Huyện Hai") < localities.index("Huyện Một")
    assert "2 / 4 người (50,0%)" in localities  # Vietnamese numbers, numerator and denominator shown
    assert "3 / 10 người (30,0%)" in localities
    assert "số thành viên của đơn vị" in page  # the rate is defined on the page


def test_collective_prizes_follow_the_contests_rule_rate_floor_then_average_score(
    app, world, register
):
    """Units rank by participation rate, then average score; with a 70% floor only units at or
    above it are eligible; a unit without a headcount is never ranked."""
    from app.contests.results import collective_prizes
    from app.contests.service import finalize_round

    people = [
        register(name="Cán Bộ Một", grp="official", unit="UBND xã Tân Thành", locality="90101"),
        register(name="Cán Bộ Hai", grp="official", unit="UBND xã Tân Thành", locality="90101"),
        register(name="Cán Bộ Ba", grp="official", unit="UBND xã Phú Văn", locality="90201"),
        register(name="Cán Bộ Bốn", grp="official", unit="Sở Thông tin", locality="90201"),
    ]
    _submit(app, world["round_id"], people, wrong=[0, 2, 0, 0])
    with app.app_context():
        from app.accounts.models import WorkplaceUnit

        heads = {"UBND xã Tân Thành": 2, "UBND xã Phú Văn": 1, "Sở Thông tin": None}
        for unit in db.session.scalars(db.select(WorkplaceUnit)):
            unit.headcount = heads[unit.name]
        contest = db.session.get(Contest, world["contest_id"])
        round_ = db.session.get(ContestRound, world["round_id"])
        finalize_round(round_, now=AFTER_CLOSE)
        prizes = collective_prizes(round_)
        # Both at 100%: Phú Văn's average score 5 beats Tân Thành's (5 + 3) / 2 = 4; Sở Thông tin
        # (no headcount) is left out.
        assert [(s.name, s.participants, s.members, s.rate) for s in prizes["units"]] == [
            ("UBND xã Phú Văn", 1, 1, 1.0),
            ("UBND xã Tân Thành", 2, 2, 1.0),
        ]
        contest.collective_units = 1
        assert [s.name for s in collective_prizes(round_)["units"]] == ["UBND xã Phú Văn"]
        from app.localities.service import get_by_code

        get_by_code("901").headcount, get_by_code("902").headcount = 2, 5
        contest.collective_min_rate = 70
        # Huyện Một: 2 of 2 = 100%; Huyện Hai: 2 of 5 = 40% is below the floor.
        assert [(s.name, s.rate) for s in collective_prizes(round_)["localities"]] == [("Huyện Huyện Một", 1.0)]


def test_winners_per_district_page_and_pdf_with_full_names_for_the_organizer(
    app, client, login, world, finished
):
    with time_machine.travel(AFTER_CLOSE, tick=False):
        login(world["organizer"])
        _finalize(client, world)
        page = client.get(f"/organize/rounds/{world['round_id']}/winners").get_data(as_text=True)
        pdf = client.get(f"/organize/rounds/{world['round_id']}/winners.pdf")
        csv = client.get(f"/organize/rounds/{world['round_id']}/winners-by-district.csv").data.decode("utf-8-sig")
    sections = page.split('<section class="district">')[1:]
    assert [s.split("<h2>")[1].split("</h2>")[0] for s in sections] == ["Huyện Huyện Hai", "Huyện Huyện Một"]
    assert "Trần Thị Bình" in sections[0]
    assert "Nguyễn Văn An" in sections[1]
    assert "Phạm Thị Dung" in sections[1]
    assert "@media print" in client.get("/static/css/contests.css").get_data(as_text=True)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert "Huyện Huyện Hai,Nhì,2,Trần Thị Bình" in csv  # through the one export writer (app.core.exports)
    assert pdf.data.startswith(b"%PDF")
    assert b"DejaVuSans" in pdf.data


def test_certificates_one_by_one_in_a_zip_verifiable_and_revoked_when_a_refinalize_takes_the_prize(
    app, client, login, world, finished
):
    round_url = f"/organize/rounds/{world['round_id']}"
    with time_machine.travel(AFTER_CLOSE, tick=False):
        login(world["organizer"])
        _finalize(client, world)
        client.post(f"{round_url}/publish")
        with app.app_context():
            certs = {c.full_name: (c.id, c.code, c.award) for c in db.session.scalars(db.select(Certificate))}
        assert {name: award for name, (_i, _c, award) in certs.items()} == {
            "Nguyễn Văn An": "Nhất", "Trần Thị Bình": "Nhì", "Phạm Thị Dung": "Nhì"}
        one = client.get(f"{round_url}/certificates/{certs['Nguyễn Văn An'][0]}.pdf")
        assert one.status_code == 200
        assert one.data.startswith(b"%PDF")
        archive = zipfile.ZipFile(io.BytesIO(client.get(f"{round_url}/certificates.zip").data))
        assert sorted(n.split("-")[1] for n in archive.namelist()) == sorted(certs)
        assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
        verify = client.get(f"/verify/{certs['Nguyễn Văn An'][1]}").get_data(as_text=True)
        assert 'data-state="valid"' in verify
        assert "Cuộc thi thử — Đợt 1: Tuần 1" in verify
        assert "Nhất" in verify
        # The winner is voided: their certificate is revoked at once; finalizing again passes
        # the prizes on, and the certificates follow.
        client.post(f"{round_url}/void", data={"phone": finished[0].phone, "reason": "Thi hộ"})
        assert 'data-state="revoked"' in client.get(f"/verify/{certs['Nguyễn Văn An'][1]}").get_data(
            as_text=True)
        _finalize(client, world)
        with app.app_context():
            valid = {c.full_name: c.award for c in db.session.scalars(
                db.select(Certificate).where(Certificate.revoked_at.is_(None)))}
        assert valid == {"Trần Thị Bình": "Nhất", "Phạm Thị Dung": "Nhì", "Hoàng Văn Em": "Nhì"}
        assert 'data-state="revoked"' in client.get(f"/verify/{certs['Trần Thị Bình'][1]}").get_data(
            as_text=True)  # her "Nhì" gave way to a "Nhất"


def test_a_winner_downloads_their_own_certificate_from_the_results_page(app, client, login, world, finished):
    with time_machine.travel(AFTER_CLOSE, tick=False):
        with app.app_context():
            from app.accounts.models import User
            from app.contests.results import publish_results
            from app.contests.service import finalize_round

            round_ = db.session.get(ContestRound, world["round_id"])
            finalize_round(round_)
            publish_results(round_, db.session.get(User, world["organizer"].id))
            db.session.commit()
        login(finished[1])
        page = client.get("/contests/cuoc-thi/rounds/1/results").get_data(as_text=True)
        assert 'data-testid="own-certificate"' in page
        link = page.split('data-testid="own-certificate"')[1].split('href="')[1].split('"')[0]
        assert client.get(link).data.startswith(b"%PDF")


def test_publishing_before_the_final_ranking_is_refused(app, client, login, world, finished):
    with time_machine.travel(AFTER_CLOSE, tick=False):
        login(world["organizer"])
        response = client.post(f"/organize/rounds/{world['round_id']}/publish", follow_redirects=True)
    assert "Hãy tính xếp hạng chung cuộc trước khi công bố kết quả" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ContestRound, world["round_id"]).results_published_at is None


def test_a_round_set_to_finalize_by_itself_is_finalized_once_after_its_grace(app, runner, world, finished):
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        round_.auto_finalize = True
        closes, grace = round_.closes_at, round_.grace_seconds
        other = ContestRound(contest_id=world["contest_id"], number=2, opens_at=round_.opens_at,
                             closes_at=round_.closes_at, draw={"banks": ["thu"]})
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    with time_machine.travel(closes + timedelta(seconds=grace - 1), tick=False):
        assert "0 rounds finalized" in runner.invoke(args=["contests", "finalize-due"]).output
    with time_machine.travel(closes + timedelta(seconds=grace), tick=False):
        result = runner.invoke(args=["contests", "finalize-due"])
        assert result.exit_code == 0, result.output
        assert "1 rounds finalized" in result.output
        assert "0 rounds finalized" in runner.invoke(args=["contests", "finalize-due"]).output
    with app.app_context():
        assert db.session.get(ContestRound, world["round_id"]).finalized_at is not None
        assert db.session.get(ContestRound, other_id).finalized_at is None  # not set to finalize
        finalizes = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "round.finalize")).all()
        assert len(finalizes) == 1


def test_the_round_form_sets_finalizing_by_itself(app, client, login, world):
    from tests.contests.test_contests_organize import _round_form

    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        login(world["organizer"])
        response = client.post(f"/organize/rounds/{world['round_id']}/edit",
                               data=_round_form(auto_finalize="y"))
    assert response.headers["Location"].endswith(f"/organize/rounds/{world['round_id']}")
    with app.app_context():
        assert db.session.get(ContestRound, world["round_id"]).auto_finalize is True


def test_the_contest_form_sets_the_collective_prize_rule_and_the_issuer(app, client, login, world):
    login(world["organizer"])
    response = client.post(f"/organize/contests/{world['contest_id']}/edit", data={
        "slug": "cuoc-thi", "title": "Cuộc thi thử", "rules": "", "groups": ["citizen"], "eligibility": "90",
        "published": "y", "issuer": "Sở Thông tin và Truyền thông", "collective_units": "2",
        "collective_localities": "1", "collective_min_rate": "70"})
    assert response.status_code == 302
    with app.app_context():
        contest = db.session.get(Contest, world["contest_id"])
        assert (contest.issuer, contest.collective_units, contest.collective_localities,
                contest.collective_min_rate) == ("Sở Thông tin và Truyền thông", 2, 1, 70)
    bad = client.post(f"/organize/contests/{world['contest_id']}/edit", data={
        "slug": "cuoc-thi", "title": "Cuộc thi thử", "groups": ["citizen"], "eligibility": "90",
        "collective_min_rate": "170"})
    assert bad.status_code == 400
