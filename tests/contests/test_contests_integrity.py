"""Issue 15, items 4–7: submitting with care (confirmation, time warnings, extra time and
attempts), integrity signals on generated attempts, the organizer's review queue, voiding and
restoring with a reason and a history, guards that say what will change, tie-breaks shown on
final boards, and helpers' assisted registrations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from app.accounts.models import User
from app.contests import allowances, attempts, boards, integrity, voiding
from app.contests import service as contests
from app.contests.models import (
    ContestAttempt,
    ContestAttemptTrace,
    ContestBestResult,
    ContestEntry,
    ContestFinalRank,
    ContestLocalityTally,
    ContestRound,
)
from app.core.extensions import db
from app.core.models import AuditEvent
from tests.contests.conftest import NOW, option_values, right_answers

AGENT = "Mozilla/5.0 (Linux; Android 12; SM-A125F) Chrome/120"


def _round(world) -> ContestRound:
    return db.session.get(ContestRound, world["round_id"])


def _entry(world, user_id) -> ContestEntry:
    return db.session.scalar(db.select(ContestEntry).where(
        ContestEntry.contest_id == world["contest_id"], ContestEntry.user_id == user_id))


def _take(world, user_id, correct=5, at=0, seconds=120, prediction=None, address="10.0.0.1", agent=AGENT,
          focus=None, answers=None):
    """A generated attempt: started ``at`` seconds after NOW from ``address``, submitted ``seconds``
    later with ``correct`` right answers (or exactly ``answers``)."""
    start = NOW + timedelta(seconds=at)
    attempt = attempts.start_attempt(_round(world), user_id, now=start)
    integrity.record_start(attempt, address, agent)
    if answers is None:
        answers = right_answers(attempt)
        items = {str(item["id"]): item for item in attempt.questions}
        for key in list(answers)[correct:]:
            answers[key] = option_values(items[key], [1])  # a wrong option
    integrity.record_submit(attempt, address, agent, focus)
    attempts.submit_attempt(attempt, answers, prediction, now=start + timedelta(seconds=seconds))
    db.session.commit()
    return attempt


def _signals(world) -> dict[int, list[str]]:
    return {s.user_id: s.signals for s in integrity.review_queue(_round(world))}


# --- Item 4: submitting with care -------------------------------------------------------------


def _start_http(client, login, register):
    user = register(name="Trần Thị Cúc")
    login(user)
    response = client.post("/contests/cuoc-thi/rounds/1/start")
    assert response.status_code == 302
    return user, int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def test_submit_shows_how_many_are_unanswered_and_submits_only_after_confirmation(app, client, world, login,
                                                                                  register):
    with time_machine.travel(NOW, tick=False):
        _user, attempt_id = _start_http(client, login, register)
        with app.app_context():
            items = db.session.get(ContestAttempt, attempt_id).questions
            ids = [item["id"] for item in items]
            first, second = option_values(items[0], [0])[0], option_values(items[1], [1])[0]
        page = client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)
        assert 'value="review"' in page
        assert 'id="submit-dialog"' in page
        # The Submit button (no JavaScript): a confirmation page; 3 of 5 questions unanswered.
        response = client.post(f"/contests/attempts/{attempt_id}",
                               data={"action": "review", f"q-{ids[0]}": first, f"q-{ids[1]}": second})
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        summary = body[body.index('data-testid="submit-summary"'):]
        assert re.search(r"\b3\b", summary.split("</div>")[0])
        assert "5" in summary.split("</div>")[0]
        assert 'value="submit"' in body
        assert 'id="back-to-answers"' in body
        with app.app_context():
            attempt = db.session.get(ContestAttempt, attempt_id)
            assert attempt.status == "open"  # nothing submitted yet, the answers are saved
            assert attempt.answers[str(ids[0])] == [0]
            assert attempt.answers[str(ids[1])] == [1]
        # Confirming submits the saved answers.
        assert client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"}).status_code == 302
        with app.app_context():
            attempt = db.session.get(ContestAttempt, attempt_id)
            assert attempt.status == "submitted"
            assert attempt.answers[str(ids[0])] == [0]


def test_warnings_show_when_five_minutes_and_one_minute_remain(app, client, world, login, register):
    with time_machine.travel(NOW, tick=False) as clock:
        _user, attempt_id = _start_http(client, login, register)
        with app.app_context():
            deadline = db.session.get(ContestAttempt, attempt_id).deadline

        def warning() -> str | None:
            page = client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)
            tag = re.search(r'<p id="time-warning"[^>]*>([^<]*)</p>', page, re.S)
            assert tag is not None
            assert 'role="alert"' in tag.group(0)
            return None if " hidden" in tag.group(0).split(">")[0] else tag.group(1).strip()

        assert warning() is None
        clock.move_to(deadline - timedelta(minutes=4))
        five = warning()
        clock.move_to(deadline - timedelta(seconds=30))
        one = warning()
        assert five
        assert one
        assert five != one


def test_an_organizer_grants_extra_time_and_an_extra_attempt_with_a_reason(app, world, register):
    person = register(name="Lê Văn Dũng")
    with app.app_context():
        organizer = db.session.get(User, world["organizer"].id)
        round_ = _round(world)
        entry = _entry(world, person.id)
        with pytest.raises(allowances.AllowanceError):
            allowances.grant_allowance(round_, entry, organizer, 10, 0, "  ")
        with pytest.raises(allowances.AllowanceError):
            allowances.grant_allowance(round_, entry, organizer, 0, 0, "Khiếm thị")
        # Both attempts allowed are used up.
        _take(world, person.id, at=0)
        _take(world, person.id, at=300)
        with pytest.raises(attempts.AttemptError):
            attempts.start_attempt(_round(world), person.id, now=NOW + timedelta(seconds=900))
        allowances.grant_allowance(_round(world), _entry(world, person.id), organizer, 10, 1, "Mất điện có xác nhận")
        db.session.commit()
        attempt = attempts.start_attempt(_round(world), person.id, now=NOW + timedelta(seconds=900))
        assert attempt.number == 3
        assert attempt.deadline - attempt.started_at == timedelta(seconds=600 + 600)
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "contest.grant_allowance"))
        assert event.actor_id == organizer.id
        assert event.details["reason"] == "Mất điện có xác nhận"
        # Extra minutes granted during an attempt move its deadline too (up to the round's close).
        started, attempt_id = attempt.started_at, attempt.id
        allowances.grant_allowance(_round(world), _entry(world, person.id), organizer, 5, 0, "Mất mạng giữa chừng")
        db.session.commit()
        assert db.session.get(ContestAttempt, attempt_id).deadline - started == timedelta(seconds=1500)


# --- Item 5: integrity signals on generated attempts ------------------------------------------------


def test_traces_keep_address_and_a_hash_of_the_agent_at_start_and_submit_and_focus_lost(app, world, register):
    person = register()
    with app.app_context():
        attempt = _take(world, person.id, address="203.0.113.5", focus="7")
        trace = db.session.get(ContestAttemptTrace, attempt.id)
        assert trace.start_address == trace.submit_address == "203.0.113.5"
        assert trace.start_agent == integrity.agent_hash(AGENT)
        assert AGENT not in trace.start_agent
        assert trace.focus_lost == 7


def test_many_accounts_from_one_address_are_flagged_but_not_helper_assisted_ones(app, world, register, make_user):
    people = [register(name=f"Phạm Văn Khách{i}") for i in range(4)]
    few = [register(name=f"Võ Thị Nhà{i}") for i in range(3)]
    helper = make_user(full_name="Hỗ Trợ Viên", roles={"helper": "90101"})
    villager = make_user(full_name="Bà Tư Không Điện Thoại", locality="9010101")
    with app.app_context():
        voiding.register_assisted(db.session.get(User, helper.id), contests.get_contest("cuoc-thi"),
                                  db.session.get(User, villager.id))
        db.session.commit()
        for i, person in enumerate(few):  # three accounts on one address: the threshold is 3
            _take(world, person.id, correct=2, at=i * 400, address="10.9.9.9", agent=f"agent {i}")
        for i, person in enumerate(people):
            _take(world, person.id, correct=2, at=i * 400, address="10.1.1.1", agent=f"phone {i}")
        _take(world, villager.id, correct=2, at=5000, address="10.9.9.9", agent="agent 0")
        flagged = integrity.review_queue(_round(world))
        by_user = {s.user_id: s for s in flagged}
        assert {p.id for p in people} <= set(by_user)
        assert all("address" in by_user[p.id].signals for p in people)
        assert not any(p.id in by_user for p in few)  # 3 accounts + an assisted one: not over 3
        assert villager.id not in by_user
        assert integrity.assisted_counts(_round(world)) == [("Hỗ Trợ Viên", 1)]
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "contest.assisted_registration"))
        assert event.actor_id == helper.id


def test_many_accounts_from_one_device_are_flagged(app, world, register):
    people = [register(name=f"Đỗ Văn Máy{i}") for i in range(4)]
    with app.app_context():
        # Four accounts from one phone (same browser at the same address)...
        for i, person in enumerate(people):
            _take(world, person.id, correct=2, at=i * 400, address="10.2.2.2", agent=AGENT)
        signals = _signals(world)
        assert all("device" in signals[p.id] for p in people)


def test_implausibly_fast_high_scores_are_flagged_with_the_rounds_threshold(app, world, register):
    fast, slow, guesser = (register(name=n) for n in ("Nhanh Quá", "Bình Thường", "Đoán Bừa"))
    with app.app_context():
        _take(world, fast.id, correct=5, seconds=10, address="10.0.0.1")  # 2 s per question
        _take(world, slow.id, correct=5, seconds=120, address="10.0.0.2")
        _take(world, guesser.id, correct=1, seconds=5, address="10.0.0.3")  # fast but not a high score
        signals = _signals(world)
        assert signals[fast.id] == ["fast"]
        assert slow.id not in signals
        assert guesser.id not in signals
        # The organizer lowers the threshold to 1 s per question: 2 s per question is plausible.
        integrity.save_thresholds(_round(world), None, seconds_per_question=1)
        db.session.commit()
        assert fast.id not in _signals(world)


def test_identical_answers_submitted_close_together_are_flagged(app, world, register):
    a, b, c = (register(name=n) for n in ("Chép Một", "Chép Hai", "Chép Ba Muộn"))
    d, e = register(name="Giỏi Một"), register(name="Giỏi Hai")
    with app.app_context():
        first = _take(world, a.id, correct=3, seconds=200, address="10.0.0.1")
        same = {str(item["id"]): option_values(item, first.answers[str(item["id"])])
                for item in first.questions if str(item["id"]) in first.answers}
        # b and c drew the same questions (generated) and chose exactly the same options.
        for person, at in ((b, 60), (c, 4000)):
            attempt = attempts.start_attempt(_round(world), person.id, now=NOW + timedelta(seconds=at))
            attempt.questions = [dict(item) for item in first.questions]
            db.session.flush()
            attempts.submit_attempt(attempt, same, None, now=NOW + timedelta(seconds=at + 200))
            db.session.commit()
        # Two people who both know every answer give identical sheets: not a signal by itself.
        perfect = _take(world, d.id, correct=5, seconds=200, address="10.0.0.4")
        twin = attempts.start_attempt(_round(world), e.id, now=NOW + timedelta(seconds=30))
        twin.questions = [dict(item) for item in perfect.questions]
        db.session.flush()
        attempts.submit_attempt(twin, right_answers(twin), None, now=NOW + timedelta(seconds=230))
        db.session.commit()
        signals = _signals(world)
        assert d.id not in signals
        assert e.id not in signals
        assert "same_answers" in signals[a.id]
        assert "same_answers" in signals[b.id]
        assert c.id not in signals  # over an hour later: not within 300 s


def test_leaving_the_page_too_often_is_flagged(app, world, register):
    restless, calm = register(name="Hay Rời Trang"), register(name="Ngồi Yên")
    with app.app_context():
        attempt = _take(world, restless.id, correct=2, address="10.0.0.1", focus="3")
        integrity.record_focus(attempt, "11")
        integrity.record_focus(attempt, "4")  # the count only grows
        _take(world, calm.id, correct=2, address="10.0.0.2", focus="10")
        db.session.commit()
        assert db.session.get(ContestAttemptTrace, attempt.id).focus_lost == 11
        signals = _signals(world)
        assert signals[restless.id] == ["focus"]
        assert calm.id not in signals


def test_nothing_is_voided_automatically_and_the_queue_sorts_and_exports(app, client, world, login, register):
    people = [register(name=n) for n in ("Bùi Văn Ba", "An Thị Hai", "Cao Văn Một", "Đinh Thị Bốn")]
    with app.app_context():
        for i, person in enumerate(people):
            _take(world, person.id, correct=5 - i % 2, seconds=10 + i, address="10.3.3.3", agent=f"a{i}")
        assert db.session.scalar(db.select(db.func.count()).select_from(ContestEntry)
                                 .where(ContestEntry.voided_at.is_not(None))) == 0
        names = [s.full_name for s in integrity.review_queue(_round(world), "name")]
        assert names == ["An Thị Hai", "Bùi Văn Ba", "Cao Văn Một", "Đinh Thị Bốn"]
        durations = [s.duration_ms for s in integrity.review_queue(_round(world), "duration")]
        assert durations == sorted(durations)
    login(world["organizer"])
    page = client.get(f"/organize/rounds/{world['round_id']}/review?sort=score").get_data(as_text=True)
    assert page.count('data-signal="address"') == 4
    assert "Cao Văn Một" in page
    csv = client.get(f"/organize/rounds/{world['round_id']}/review.csv").get_data(as_text=True)
    assert "Đinh Thị Bốn" in csv
    assert "10.3.3.3" in csv
    assert client.get(f"/organize/rounds/{world['round_id']}/review?sort=bogus").status_code == 400


# --- Items 5 and 6: voiding and restoring, with confirmation and a history ---------------------------


def test_search_is_accent_insensitive_and_void_restore_ask_for_confirmation_and_keep_a_history(
        app, client, world, login, register):
    cheat = register(name="Nguyễn Thị Gian")
    other = register(name="Trương Văn Thật")
    with app.app_context():
        _take(world, cheat.id, correct=5, address="10.0.0.1")
        _take(world, other.id, correct=3, address="10.0.0.2")
        entry_id = _entry(world, cheat.id).id
    login(world["organizer"])
    base = f"/organize/rounds/{world['round_id']}"
    found = client.get(f"{base}/participants?q=nguyen thi gian").get_data(as_text=True)
    assert "Nguyễn Thị Gian" in found
    assert "Trương Văn Thật" not in found
    # The confirmation page says what will change; nothing is voided by opening it.
    page = client.get(f"{base}/participants/{entry_id}/void").get_data(as_text=True)
    assert 'data-testid="impact"' in page
    assert "Nguyễn Thị Gian" in page
    assert client.post(f"{base}/participants/{entry_id}/void", data={"reason": ""}).status_code == 400
    with app.app_context():
        assert db.session.get(ContestEntry, entry_id).voided_at is None
    assert client.post(f"{base}/participants/{entry_id}/void", data={"reason": "Thi hộ"}).status_code == 302
    listing = client.get(f"{base}/participants").get_data(as_text=True)
    voided = listing[listing.index('data-testid="voided"'):]
    assert "Nguyễn Thị Gian" in voided
    assert "Thi hộ" in voided
    assert "Ban Tổ Chức" in voided
    assert client.post(f"{base}/participants/{entry_id}/restore", data={"reason": "Nhầm người"}).status_code == 302
    with app.app_context():
        entry = db.session.get(ContestEntry, entry_id)
        assert entry.voided_at is None
        assert [(e.action, e.reason, name) for e, name in voiding.history(entry)] == [
            ("void", "Thi hộ", "Ban Tổ Chức"), ("restore", "Nhầm người", "Ban Tổ Chức")]
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"contest.void_entry", "contest.restore_entry"} <= actions


def _snapshot(round_id):
    """Ranks, prizes, tallies and (with Redis) the live board of a round, as plain values."""
    round_ = db.session.get(ContestRound, round_id)
    ranks = sorted(db.session.execute(
        db.select(ContestFinalRank.grp, ContestFinalRank.final_rank, ContestFinalRank.user_id, ContestFinalRank.prize)
        .where(ContestFinalRank.round_id == round_id)).all())
    tallies = sorted(db.session.execute(
        db.select(ContestLocalityTally.grp, ContestLocalityTally.locality_id, ContestLocalityTally.participants,
                  ContestLocalityTally.score_sum)
        .where(ContestLocalityTally.round_id == round_id, ContestLocalityTally.participants > 0)).all())
    board = boards.get_board()
    live = None
    if isinstance(board, boards.RedisBoard):
        live = {grp: board.client.zrange(board.key(round_id, grp), 0, -1, withscores=True)
                for grp in round_.contest.groups}
    return [tuple(r) for r in ranks], [tuple(t) for t in tallies], live


def _fresh(round_id):
    """The same values computed from scratch: fresh ranking, rebuilt tallies and board."""
    round_ = db.session.get(ContestRound, round_id)
    expected = voiding.fresh_ranking(round_)
    boards.rebuild_boards([round_])
    _ranks, tallies, live = _snapshot(round_id)
    ranks = sorted((grp, rank, uid, prize) for uid, (grp, rank, prize) in expected.items())
    return ranks, tallies, live


def test_void_restore_and_refinalize_keep_ranks_prizes_tallies_and_board_equal_to_a_fresh_computation(
        app, world, register):
    people = [register(name=f"Người Thi {i}") for i in range(6)]
    with app.app_context():
        organizer = db.session.get(User, world["organizer"].id)
        for i, person in enumerate(people):
            _take(world, person.id, correct=5 - i // 2, at=i * 30, seconds=60 + 7 * i, prediction=i,
                  address=f"10.0.0.{i}")
        contests.finalize_round(_round(world), organizer, now=NOW + timedelta(days=8))
        db.session.commit()
        before = _snapshot(world["round_id"])
        assert before[0] == _fresh(world["round_id"])[0]
        winner = db.session.scalar(db.select(ContestFinalRank.user_id).where(ContestFinalRank.final_rank == 1))
        entry = _entry(world, winner)

        # Void the winner: the confirmation names the prize; re-finalizing passes it on.
        impact = voiding.void_impact(entry)
        assert impact.prizes_changed == 1
        voiding.void_participant(entry, organizer, "Thi hộ")
        db.session.commit()
        assert voiding.finalize_impact(_round(world)).prizes_changed >= 2
        contests.finalize_round(_round(world), organizer, now=NOW + timedelta(days=8))
        db.session.commit()
        after_void = _snapshot(world["round_id"])
        assert winner not in {r[2] for r in after_void[0]}
        assert after_void == _fresh(world["round_id"])
        assert voiding.finalize_impact(_round(world)).prizes_changed == 0

        # Restore, then finalize again: back to the original ranking.
        voiding.restore_participant(_entry(world, winner), organizer, "Nhầm người")
        db.session.commit()
        tallies_now = _snapshot(world["round_id"])[1:]
        contests.finalize_round(_round(world), organizer, now=NOW + timedelta(days=8))
        db.session.commit()
        after_restore = _snapshot(world["round_id"])
        fresh = _fresh(world["round_id"])
        assert after_restore == fresh
        assert tallies_now == fresh[1:]  # the restore itself put tallies and board back exactly
        assert after_restore[0] == before[0]
        live = db.session.scalar(db.select(db.func.count()).select_from(ContestBestResult)
                                 .where(ContestBestResult.voided.is_(False)))
        assert live == len(people)


def test_finalize_asks_for_confirmation_saying_what_will_change(app, client, world, login, register):
    people = [register(name=f"Người Chờ {i}") for i in range(3)]
    with app.app_context():
        for i, person in enumerate(people):
            _take(world, person.id, correct=5 - i, at=i * 30, address=f"10.0.0.{i}")
    url = f"/organize/rounds/{world['round_id']}"
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        login(world["organizer"])
        detail = client.get(url).get_data(as_text=True)
        assert f'href="{url}/finalize"' in detail  # the button opens the confirmation, it does not post
        page = client.get(f"{url}/finalize").get_data(as_text=True)
        assert 'data-testid="impact"' in page
        assert "3" in page
        with app.app_context():
            assert _round(world).finalized_at is None
            impact = voiding.finalize_impact(_round(world))
            assert impact.prizes_changed == 3  # Nhất 1 + Nhì 2, none awarded yet


# --- Item 6: tie-breaks on the final board and in the API ------------------------------------------


def test_final_board_and_api_show_each_participants_tie_break_values_and_the_true_count(
        app, client, world, register):
    a, b = register(name="Hòa Một"), register(name="Hòa Hai")
    with app.app_context():
        _take(world, a.id, correct=5, at=0, seconds=590, prediction=2)  # 9:50, prediction off by 0
        _take(world, b.id, correct=5, at=60, seconds=281, prediction=9)  # 4:41, off by 7
        contests.finalize_round(_round(world), None, now=NOW + timedelta(days=8))
        db.session.commit()
    page = client.get("/contests/cuoc-thi/rounds/1/board").get_data(as_text=True)
    assert 'data-testid="tie-breaks"' in page
    rows = re.findall(r"<tr[^>]*><td class=\"num\">(\d+)</td>(.*?)</tr>", page, re.S)
    assert [r[0] for r in rows] == ["1", "2"]
    assert ">2<" in rows[0][1]
    assert ">0<" in rows[0][1]
    assert ">9<" in rows[1][1]
    assert ">7<" in rows[1][1]
    data = client.get("/api/v1/contests/cuoc-thi/rounds/1/leaderboard").get_json()
    assert data["all_correct_count"] == 2
    first, second = data["entries"]
    assert (first["prediction"], first["prediction_error"]) == (2, 0)
    assert (second["prediction"], second["prediction_error"]) == (9, 7)
    assert first["submitted_at"]
    assert second["submitted_at"]


def test_retiring_a_question_asks_first_and_says_whether_it_is_kept_or_deleted(app, client, login, world,
                                                                                register):
    from app.contests.models import Question

    person = register()
    with app.app_context():
        attempt = attempts.start_attempt(_round(world), person.id, now=NOW)
        db.session.commit()
        drawn_id = attempt.questions[0]["id"]
        undrawn_id = db.session.scalar(db.select(Question.id).where(
            Question.id.not_in([i["id"] for i in attempt.questions])))
    login(world["organizer"])
    bank = client.get("/organize/banks/thu").get_data(as_text=True)
    assert f'href="/organize/banks/thu/questions/{drawn_id}/retire"' in bank
    kept = client.get(f"/organize/banks/thu/questions/{drawn_id}/retire").get_data(as_text=True)
    deleted = client.get(f"/organize/banks/thu/questions/{undrawn_id}/retire").get_data(as_text=True)
    assert 'data-testid="impact"' in kept
    assert 'data-testid="impact"' in deleted
    assert kept.split('data-testid="impact"')[1] != deleted.split('data-testid="impact"')[1]
    with app.app_context():
        assert db.session.get(Question, undrawn_id) is not None  # opening the page changed nothing
        assert db.session.get(Question, drawn_id).active


# --- Item 7: helpers registering villagers ---------------------------------------------------------


def test_a_helper_registers_villagers_of_their_area_under_their_own_name_without_an_address_signal(
        app, client, world, login, make_user):
    helper = make_user(full_name="Tình Nguyện Viên", roles={"helper": "90101"})
    villagers = [make_user(full_name=f"Bà Con Ấp {i}", locality="9010101") for i in range(4)]
    outsider = make_user(full_name="Bà Con Huyện Hai", locality="9020101")
    login(helper)
    page = client.get("/contests/cuoc-thi/assist?q=ba con").get_data(as_text=True)
    assert "Bà Con Ấp 0" in page
    assert "Bà Con Huyện Hai" not in page  # outside the helper's area
    for villager in villagers:  # four registrations from one address (the commune office)
        response = client.post("/contests/cuoc-thi/assist", data={"citizen": villager.id})
        assert response.status_code == 302
    client.post("/contests/cuoc-thi/assist", data={"citizen": outsider.id})
    with app.app_context():
        registered = set(db.session.scalars(db.select(ContestEntry.user_id)))
        assert registered == {v.id for v in villagers}
        assert integrity.assisted_counts(_round(world)) == [("Tình Nguyện Viên", 4)]
        audited = db.session.scalars(db.select(AuditEvent.actor_id)
                                     .where(AuditEvent.action == "contest.assisted_registration")).all()
        assert audited == [helper.id] * 4
        # All four take the round at the commune office: one address, no address or device signal.
        for i, villager in enumerate(villagers):
            _take(world, villager.id, correct=2, at=i * 400, address="10.5.5.5", agent=AGENT)
        assert _signals(world) == {}
    mine = client.get("/contests/cuoc-thi/assist").get_data(as_text=True)
    assert mine.split('data-testid="assisted-mine"')[1].split("</ul>")[0].count("Bà Con Ấp") == 4
