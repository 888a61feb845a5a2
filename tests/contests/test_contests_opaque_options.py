"""Opaque options: what identifies an option to a participant means nothing outside the attempt.

Two attempts of the same question (contest web form, autosave, API, practice) carry disjoint
option tokens, in a shuffled order, and within one page the right option looks exactly like the
wrong ones (value, id, class, data attributes, comments). Answering "the first option" or "the
smallest value" of every question of the demo contest scores near chance, not near full marks.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import time_machine

from app.contests import attempts, banks
from app.contests.models import Contest, ContestAttempt, ContestRound
from app.core.extensions import db
from tests.conftest import PASSWORD
from tests.contests.conftest import NOW, make_bank

QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"
RIGHT = "Đúng 1"
TEXTS = {RIGHT, "Sai 1", "Sai 2", "Sai 3"}


class _Options(HTMLParser):
    """The option inputs of a page (their attributes), the labels' texts and the comments."""

    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.labels: dict[str, str] = {}
        self.comments: list[str] = []
        self._label: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and (attrs.get("type") in ("radio", "checkbox")):
            self.inputs.append(attrs)
        if tag == "label" and attrs.get("for"):
            self._label = attrs["for"]
            self.labels[self._label] = ""

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None

    def handle_data(self, data):
        if self._label is not None:
            self.labels[self._label] += data.strip()

    def handle_comment(self, data):
        self.comments.append(data)


def _page_options(html: str) -> tuple[dict[str, dict], list[str]]:
    """{option text: its input's attributes} of the page's one question, and the comments."""
    parser = _Options()
    parser.feed(html)
    options = {parser.labels[i["id"]]: i for i in parser.inputs}
    assert set(options) == TEXTS
    return options, parser.comments


def _assert_right_option_indistinguishable(html: str) -> dict[str, dict]:
    options, comments = _page_options(html)
    shapes = set()
    for attrs in options.values():
        token = attrs["value"]
        # Every attribute but the token itself (and the id built from it) is the same for all
        # (``checked`` marks the participant's own saved choice).
        shapes.add(tuple(sorted((k, v.replace(token, "T") if v else v) for k, v in attrs.items()
                                if k not in ("value", "checked"))))
        # The token appears as often for the right option as for the wrong ones: value, id, label.
        assert html.count(token) == 3
    assert len(shapes) == 1, shapes
    for comment in comments:
        assert not [t for t in TEXTS if t in comment]
        assert not [a["value"] for a in options.values() if a["value"] in comment]
    return options


def _assert_nothing_shared(first: dict[str, dict], second: dict[str, dict]) -> None:
    """Two attempts of the same question: no token, id or value repeats between them."""
    for key in ("value", "id"):
        assert not {a[key] for a in first.values()} & {a[key] for a in second.values()}, key


def _one_question_round(app) -> int:
    with app.app_context():
        make_bank("mot", n=1)
        contest = db.session.scalar(db.select(Contest).where(Contest.slug == "cuoc-thi"))
        round_ = ContestRound(
            contest_id=contest.id, number=2, title="Một câu", opens_at=NOW - timedelta(hours=1),
            closes_at=NOW + timedelta(days=7), question_count=1, draw={"banks": ["mot"]},
            time_limit_seconds=600, attempts_allowed=2, grace_seconds=10, prediction_enabled=False,
        )
        db.session.add(round_)
        db.session.commit()
        return round_.id


def _login(client, user) -> None:
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 302


def _start_web(client) -> tuple[int, str]:
    response = client.post("/contests/cuoc-thi/rounds/2/start")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return attempt_id, client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)


def test_two_attempts_of_a_question_on_the_web_form_share_no_identifier(app, client, world, register):
    _one_question_round(app)
    first_person, second_person = register(name="Lê Văn Một"), register(name="Lê Thị Hai")
    with time_machine.travel(NOW, tick=False):
        _login(client, first_person)
        first_id, first_page = _start_web(client)
        first = _assert_right_option_indistinguishable(first_page)
        # The second attempt of the same person, and an attempt of another person.
        client.post(f"/contests/attempts/{first_id}", data={"action": "submit"})
        again_id, again_page = _start_web(client)
        assert again_id != first_id
        again = _assert_right_option_indistinguishable(again_page)
        _login(client, second_person)
        _other_id, other_page = _start_web(client)
        other = _assert_right_option_indistinguishable(other_page)
    _assert_nothing_shared(first, again)
    _assert_nothing_shared(first, other)
    _assert_nothing_shared(again, other)


def test_autosave_and_the_no_js_save_take_the_tokens_and_show_them_back(app, client, world, register):
    _one_question_round(app)
    person = register()
    with time_machine.travel(NOW, tick=False):
        _login(client, person)
        attempt_id, page = _start_web(client)
        options = _assert_right_option_indistinguishable(page)
        with app.app_context():
            qid = db.session.get(ContestAttempt, attempt_id).questions[0]["id"]
        wrong = options["Sai 2"]["value"]
        response = client.post(f"/contests/attempts/{attempt_id}/autosave", data={f"q-{qid}": wrong})
        assert response.get_json() == {"saved": True}  # nothing about the key comes back
        with app.app_context():
            stored = db.session.get(ContestAttempt, attempt_id)
            assert stored.answers == {str(qid): [2]}  # the bank's index, kept on the server only
        page = client.get(f"/contests/attempts/{attempt_id}").get_data(as_text=True)
        shown = _assert_right_option_indistinguishable(page)
        assert shown == {**options, "Sai 2": {**options["Sai 2"], "checked": None}}
        # A value of another attempt, or a bank index, chooses nothing.
        client.post(f"/contests/attempts/{attempt_id}", data={"action": "save", f"q-{qid}": "0"})
        with app.app_context():
            assert db.session.get(ContestAttempt, attempt_id).answers == {str(qid): []}
        client.post(f"/contests/attempts/{attempt_id}",
                    data={"action": "submit", f"q-{qid}": options[RIGHT]["value"]})
        with app.app_context():
            assert db.session.get(ContestAttempt, attempt_id).score == 1


def test_a_resumed_attempt_shows_the_same_tokens_in_the_same_order(app, client, world, register):
    """The tokens and order are stored with the attempt: a resume (even after the process restarts,
    with no cache left) shows exactly what the participant saw."""
    _one_question_round(app)
    person = register()
    with time_machine.travel(NOW, tick=False):
        _login(client, person)
        attempt_id, page = _start_web(client)
        with app.app_context():
            banks.forget_question_pools()
            db.session.expunge_all()
        resumed_id, resumed = _start_web(client)
    assert resumed_id == attempt_id
    order = re.findall(r'value="([0-9a-f]{8})"', page)
    assert len(order) == 4
    assert re.findall(r'value="([0-9a-f]{8})"', resumed) == order


def test_the_api_sends_tokens_that_differ_between_attempts(app, client, world, register):
    _one_question_round(app)
    people = [register(name="Đỗ Văn Một"), register(name="Đỗ Thị Hai")]
    seen = []
    with time_machine.travel(NOW, tick=False):
        for person in people:
            token = client.post("/api/v1/auth/token", json={"login": person.phone, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
            started = client.post("/api/v1/contests/cuoc-thi/rounds/2/attempts", headers=headers)
            attempt = started.get_json()
            [question] = attempt["questions"]
            assert {o["text"] for o in question["options"]} == TEXTS
            assert {tuple(sorted(o)) for o in question["options"]} == {("text", "value")}
            assert all(re.fullmatch(r"[0-9a-f]{8}", o["value"]) for o in question["options"])
            by_text = {o["text"]: o["value"] for o in question["options"]}
            saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers", headers=headers,
                               json={"answers": {str(question["id"]): [by_text["Sai 3"]]}})
            # The autosave's answer: the token sent, nothing else.
            assert saved.get_json() == {"saved": True, "answers": {str(question["id"]): [by_text["Sai 3"]]}}
            again = client.post("/api/v1/contests/cuoc-thi/rounds/2/attempts", headers=headers).get_json()
            assert again["questions"] == attempt["questions"]
            assert again["answers"] == {str(question["id"]): [by_text["Sai 3"]]}
            seen.append(by_text)
    assert not set(seen[0].values()) & set(seen[1].values())


def test_practice_attempts_carry_their_own_tokens(app, client, world, register):
    with app.app_context():
        make_bank("luyen", n=1)  # a bank of its own: practice never draws from an open round's bank
        db.session.commit()
    person = register()
    pages = []
    with time_machine.travel(NOW, tick=False):
        _login(client, person)
        for _ in range(2):
            response = client.post("/contests/practice", data={"banks": ["luyen"], "count": "1"})
            assert response.status_code == 302, response.get_data(as_text=True)
            pages.append(client.get(response.headers["Location"]).get_data(as_text=True))
    first, second = (_assert_right_option_indistinguishable(p) for p in pages)
    _assert_nothing_shared(first, second)


def test_the_right_option_is_shown_at_every_position_equally_often():
    """The shown order is shuffled per attempt: over 800 draws of a question whose key is the
    bank's first option, each shown position holds it about a quarter of the time."""
    pool = [banks.PoolQuestion(1, 1, ("a", "b", "c", "d"), (0,), "2.3", ())]
    rng = random.Random(15)
    positions = Counter(
        banks.draw_questions(pool, None, 1, rng)[0]["order"].index(0) for _ in range(800)
    )
    assert set(positions) == {0, 1, 2, 3}
    assert all(120 <= n <= 280 for n in positions.values()), positions


def _demo_round(app) -> int:
    from app.localities.service import get_by_code

    with app.app_context():
        banks.load_bank_files(QUIZZES)
        contest = Contest(slug="demo-thu", title="Thử", groups=["citizen"], eligibility_id=get_by_code("90").id)
        db.session.add(contest)
        db.session.flush()
        # The demo contest's draw (app/contests/demo.py): 30 questions, 12/12/6 by difficulty.
        round_ = ContestRound(
            contest_id=contest.id, number=1, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=7),
            question_count=30, draw={"banks": ["chuyen-doi-so"], "tags": [], "mix": {"1": 12, "2": 12, "3": 6}},
            time_limit_seconds=900, attempts_allowed=1,
        )
        db.session.add(round_)
        db.session.commit()
        return round_.id


def test_answering_the_first_or_smallest_option_everywhere_scores_near_chance(app, world, register):
    """Over 20 attempts of the demo contest (600 answers), choosing the first option shown, or
    the option with the smallest value, scores about a quarter, far from full marks."""
    round_id = _demo_round(app)
    people = [register(slug="demo-thu", name=f"Người Thử {i}") for i in range(20)]
    totals = Counter()
    answered = Counter()
    with app.app_context():
        round_ = db.session.get(ContestRound, round_id)
        for i, person in enumerate(people):
            attempt = attempts.start_attempt(round_, person.id, now=NOW)
            strategy = "first" if i % 2 else "smallest"
            answers = {}
            for q in attempts.attempt_questions(attempt):
                values = [o["value"] for o in q["options"]]
                answers[str(q["id"])] = [values[0] if strategy == "first" else min(values)]
            attempts.submit_attempt(attempt, answers, None, now=NOW + timedelta(minutes=5))
            totals[strategy] += attempt.score
            answered[strategy] += len(attempt.questions)
        db.session.commit()
    assert answered == {"first": 300, "smallest": 300}
    for strategy in totals:
        share = totals[strategy] / answered[strategy]
        assert share < 0.4, (strategy, share)


def test_a_value_shared_from_another_attempt_chooses_nothing(app, world, register):
    """"Question 17: value 2" is worthless: the right values one attempt reveals (a practice's
    review) are no option at all in the next attempt of the same questions."""
    person = register()
    with app.app_context():
        make_bank("luyen", n=12)  # practice never draws from an open round's bank
        db.session.commit()
        first = attempts.start_practice(person.id, ["luyen"], 12, now=NOW)
        attempts.submit_attempt(first, {}, None, now=NOW + timedelta(minutes=1))
        shared = {str(q["id"]): q["correct"] for q in attempts.attempt_questions(first, reveal=True)}
        second = attempts.start_practice(person.id, ["luyen"], 12, now=NOW + timedelta(minutes=2))
        assert {item["id"] for item in second.questions} == {item["id"] for item in first.questions}
        attempts.submit_attempt(second, shared, None, now=NOW + timedelta(minutes=3))
        db.session.commit()
        assert second.answers == {key: [] for key in shared}
        assert second.score == 0
