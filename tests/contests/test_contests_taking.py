"""Taking a round over HTTP: registration, start/resume with the same clock, autosave, submit
once, late submit refused, answer key never sent while the round is open, review after close,
practice with immediate feedback."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from app.contests.models import ContestAttempt, ContestBestResult, Question
from app.core.extensions import db
from tests.contests.conftest import NOW, option_values


def _register_http(client, login, make_user, name="Lê Thị Bình"):
    user = make_user(full_name=name, locality="9010101")
    login(user)
    # The no-JS picker: the chosen village is the deepest select.
    with client.application.app_context():
        from app.localities.service import get_by_code

        village = get_by_code("9010101").id
    response = client.post(
        "/contests/cuoc-thi/register",
        data={"full_name": name, "birth_year": "1990", "grp": "citizen", "loc": [str(village)]},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return user


def _attempt(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(ContestAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def _start(client):
    response = client.post("/contests/cuoc-thi/rounds/1/start")
    assert response.status_code == 302
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _key_texts(app):
    """Every right option text and explanation of the bank (they must never be sent while open)."""
    with app.app_context():
        return [q.options[0] for q in db.session.scalars(db.select(Question))] + [
            q.explanation for q in db.session.scalars(db.select(Question))
        ]


def test_registering_while_a_round_is_open_lands_on_its_start_button(app, client, world, login, make_user):
    """Issue 18: after registering, the participant had to find the round and its button."""
    with time_machine.travel(NOW, tick=False):
        user = make_user(full_name="Lê Thị Bình", locality="9010101")
        login(user)
        with app.app_context():
            from app.localities.service import get_by_code

            village = get_by_code("9010101").id
        response = client.post("/contests/cuoc-thi/register", data={
            "full_name": "Lê Thị Bình", "birth_year": "1990", "grp": "citizen", "loc": [str(village)]})
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/contests/cuoc-thi/rounds/1#start-attempt")
        assert 'id="start-attempt"' in client.get("/contests/cuoc-thi/rounds/1").get_data(as_text=True)


def test_a_citizen_registers_starts_resumes_saves_and_submits_once(app, client, world, login, make_user):
    with time_machine.travel(NOW, tick=False):
        user = _register_http(client, login, make_user)
        attempt_id = _start(client)
        page = client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)
        assert 'name="q-' in page
        # Leaving and starting again resumes the same attempt with the same deadline.
        first = _attempt(app, attempt_id)
        assert _start(client) == attempt_id
        assert _attempt(app, attempt_id).deadline == first.deadline
        ids = [item["id"] for item in first.questions]
        right = {item["id"]: option_values(item, [0])[0] for item in first.questions}
        # Autosave (what contests.js posts) then the no-JS "save" button.
        response = client.post(f"/contests/attempts/{attempt_id}/autosave", data={f"q-{ids[0]}": right[ids[0]]})
        assert response.get_json() == {"saved": True}
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "save", f"q-{ids[1]}": right[ids[1]]})
        assert _attempt(app, attempt_id).answers == {str(ids[0]): [0], str(ids[1]): [0]}
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        data = {f"q-{i}": right[i] for i in ids[2:]} | {"action": "submit", "prediction": "12"}
        assert client.post(f"/contests/attempts/{attempt_id}", data=data).status_code == 302
        # A second submit (double click) changes nothing.
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"})
        attempt = _attempt(app, attempt_id)
        assert (attempt.status, attempt.score, attempt.duration_ms, attempt.prediction) == (
            "submitted",
            5,
            180_000,
            12,
        )
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(ContestBestResult.id))) == 1
        board = client.get("/contests/cuoc-thi/rounds/1/board").get_data(as_text=True)
        assert "Lê T. B" in board
        assert "Lê Thị Bình" not in board
        assert 'data-testid="own-rank"' in board
        with app.app_context():
            from app.competency.models import Evidence

            assert (
                db.session.scalar(
                    db.select(db.func.count()).select_from(Evidence).where(
                        Evidence.user_id == user.id, Evidence.source == "contest"
                    )
                )
                == 5
            )


def test_the_answer_key_is_never_sent_while_the_round_is_open(app, client, world, login, make_user):
    with time_machine.travel(NOW, tick=False):
        _register_http(client, login, make_user)
        attempt_id = _start(client)
        secrets = _key_texts(app)
        bodies = [client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)]
        ids = [item["id"] for item in _attempt(app, attempt_id).questions]
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"} | {f"q-{ids[0]}": "0"})
        bodies.append(client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True))
        bodies.append(client.get("/contests/cuoc-thi/rounds/1").get_data(as_text=True))
        for body in bodies:
            assert not [s for s in secrets if s and s in body and not s.startswith("Đúng")]
        # The right options' texts appear only as options, never marked as right.
        assert "right-answer" not in bodies[1]
        assert "Giải thích" not in bodies[1]
    # After the round closes the review shows the key and explanations.
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        review = client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True)
        assert "Giải thích" in review


def test_a_late_submit_is_refused_and_the_attempt_expires_with_what_was_saved(
    app, client, world, login, make_user
):
    with time_machine.travel(NOW, tick=False):
        _register_http(client, login, make_user)
        attempt_id = _start(client)
        drawn = _attempt(app, attempt_id).questions
        ids = [item["id"] for item in drawn]
        right = {item["id"]: option_values(item, [0])[0] for item in drawn}
        client.post(f"/contests/attempts/{attempt_id}/autosave", data={f"q-{ids[0]}": right[ids[0]]})
    # 10 minutes limit + 10 s grace: 9 s after the deadline is still accepted elsewhere; 11 s is not.
    with time_machine.travel(NOW + timedelta(seconds=611), tick=False):
        data = {f"q-{i}": right[i] for i in ids} | {"action": "submit"}
        client.post(f"/contests/attempts/{attempt_id}", data=data)
        attempt = _attempt(app, attempt_id)
        assert attempt.status == "expired"
        assert attempt.score == 1
        assert attempt.duration_ms == 600_000
        response = client.post(f"/contests/attempts/{attempt_id}/autosave", data={f"q-{ids[1]}": "0"})
        assert response.status_code == 409


def test_a_submit_within_the_grace_is_accepted(app, client, world, login, make_user):
    with time_machine.travel(NOW, tick=False):
        _register_http(client, login, make_user)
        attempt_id = _start(client)
    with time_machine.travel(NOW + timedelta(seconds=609), tick=False):
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"})
        assert _attempt(app, attempt_id).status == "submitted"


def test_round_windows_follow_the_clock(app, client, world, login, make_user):
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        _register_http(client, login, make_user)
        response = client.post("/contests/cuoc-thi/rounds/1/start")
        assert "/attempts/" not in response.headers["Location"]
    with time_machine.travel(NOW + timedelta(days=7, seconds=-1), tick=False):
        assert "/attempts/" in client.post("/contests/cuoc-thi/rounds/1/start").headers["Location"]
    with time_machine.travel(NOW + timedelta(days=7, seconds=1), tick=False):
        response = client.post("/contests/cuoc-thi/rounds/1/start")
        assert "/attempts/" not in response.headers["Location"]


def test_the_deadline_never_passes_the_round_closing(app, client, world, login, make_user):
    with time_machine.travel(NOW + timedelta(days=7, minutes=-2), tick=False):
        _register_http(client, login, make_user)
        attempt = _attempt(app, _start(client))
        assert attempt.deadline.replace(tzinfo=None) == (NOW + timedelta(days=7)).replace(tzinfo=None)


def test_practice_gives_immediate_feedback_and_is_unranked(app, client, world, login, make_user):
    user = make_user(locality="9010101")
    login(user)
    assert client.get("/contests/practice").status_code == 200
    for _ in range(2):
        response = client.post("/contests/practice", data={"banks": ["thu"], "count": "3"})
        attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"})
        review = client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True)
        assert "Giải thích" in review
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ContestBestResult.id))) == 0
        from app.competency.models import Evidence

        assert (
            db.session.scalar(db.select(db.func.count()).select_from(Evidence).where(Evidence.source == "practice")) >= 3
        )


def test_someone_elses_attempt_is_not_found(app, client, world, login, make_user, register):
    other = register(name="Người Khác")
    with app.app_context():
        from app.contests.attempts import start_attempt
        from app.contests.models import ContestRound

        with time_machine.travel(NOW, tick=False):
            attempt = start_attempt(db.session.get(ContestRound, world["round_id"]), other.id)
        db.session.commit()
        attempt_id = attempt.id
    login(make_user())
    assert client.get(f"/contests/attempts/{attempt_id}").status_code == 404
    assert client.post(f"/contests/attempts/{attempt_id}/autosave").status_code == 404


def test_public_boards_show_data_without_login(app, client, world, register):
    person = register(name="Phạm Văn Cường")
    with app.app_context():
        from app.contests.attempts import start_attempt, submit_attempt
        from app.contests.models import ContestRound

        round_ = db.session.get(ContestRound, world["round_id"])
        with time_machine.travel(NOW, tick=False):
            attempt = start_attempt(round_, person.id)
            submit_attempt(attempt, {})
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        for url in (
            "/contests/",
            "/contests/cuoc-thi",
            "/contests/cuoc-thi/rounds/1",
            "/contests/cuoc-thi/rounds/1/board",
            "/contests/cuoc-thi/board",
            "/contests/cuoc-thi/rounds/1/localities",
            "/contests/cuoc-thi/rounds/1/localities?parent=901",
            "/contests/cuoc-thi/rounds/1/units",
            "/contests/cuoc-thi/rounds/1/board?locality=90101",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        board = client.get("/contests/cuoc-thi/rounds/1/localities?parent=901").get_data(as_text=True)
        assert "Xã Tân Thành" in board
        assert "Phạm V. C" in client.get("/contests/cuoc-thi/board").get_data(as_text=True)


# --- practice and open rounds (issue 19, item 1) ---------------------------------------------------

def _revealed(html: str) -> set[str]:
    """The keys and explanations a result page gives away (the fixture's right answer is "Đúng <n>")."""
    keys = set(re.findall(r"(Đúng \d+)\s*<strong>\((?:đáp án đúng|right answer)\)", html))
    return keys | set(re.findall(r"Giải thích \d+", html))


def _practise(client, bank: str, count: int = 40):
    """Start a practice, submit it unanswered, and return (start response, result page or None)."""
    response = client.post("/contests/practice", data={"banks": [bank], "count": str(count)})
    if response.status_code != 302:
        return response, None
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    client.post(f"/contests/attempts/{attempt_id}", data={"action": "submit"})
    return response, client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True)


def test_practice_reveals_no_key_of_a_bank_an_open_round_draws_from(app, client, world, login, make_user):
    from tests.contests.conftest import make_bank

    with app.app_context():
        make_bank("tu-do", 6)  # a bank no round draws from
        db.session.commit()
    user = make_user(locality="9010101")
    with time_machine.travel(NOW, tick=False):
        login(user)
        page = client.get("/contests/practice").get_data(as_text=True)
        assert 'value="thu"' not in page
        assert 'id="reserved-banks"' in page
        revealed: set[str] = set()
        for _ in range(3):
            response, result = _practise(client, "thu")
            assert response.status_code == 400
            revealed |= _revealed(result or "")
        assert revealed == set()
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(ContestAttempt.id))) == 0
        # practice from a bank no round uses keeps its immediate feedback
        _response, result = _practise(client, "tu-do", 6)
        assert len(_revealed(result)) == 12
    # once the round has closed (and its answers are reviewable anyway) the bank is open to practice
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        login(user)
        _response, result = _practise(client, "thu", 3)
        assert len(_revealed(result)) == 6


def test_a_scheduled_round_hides_the_keys_of_an_earlier_practice_of_its_bank(app, client, world, login,
                                                                              make_user):
    from app.contests.models import ContestRound
    from tests.contests.conftest import make_bank

    with app.app_context():
        make_bank("sau", 4)
        db.session.commit()
    user = make_user(locality="9010101")
    with time_machine.travel(NOW, tick=False):
        login(user)
        response, result = _practise(client, "sau", 4)
        assert len(_revealed(result)) == 8
        with app.app_context():
            db.session.add(ContestRound(contest_id=world["contest_id"], number=2, title="Tuần 2",
                                        opens_at=NOW + timedelta(days=7), closes_at=NOW + timedelta(days=14),
                                        question_count=4, draw={"banks": ["sau"]}))
            db.session.commit()
        attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
        result = client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True)
        assert _revealed(result) == set()
        assert len(re.findall(r"Câu hỏi \d+\?", result)) == 4  # the questions still show, without their answers
        page = client.get("/contests/practice").get_data(as_text=True)
        assert 'value="sau"' not in page
        assert "Ngân hàng thử" in page.split('id="reserved-banks"')[1]
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        login(user)
        assert len(_revealed(client.get(f"/contests/attempts/{attempt_id}/result").get_data(as_text=True))) == 8
