"""Fixtures of the API tests: a contest with an open round (now, in real time), a participant with a
bearer token and an attempt in progress, a board with a result on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.core.extensions import db
from tests.contests.conftest import make_bank, right_answers


@dataclass(frozen=True)
class ApiWorld:
    slug: str
    number: int
    token: str  # the participant's valid bearer token
    expired_token: str  # another of the participant's tokens, expired
    attempt_id: int  # the participant's attempt in progress
    answers: dict[str, list[int]]  # its right answers
    locality: str  # a locality code inside the contest's area
    login: str  # the participant's phone; the password is tests.conftest.PASSWORD


@pytest.fixture
def api_world(app, tree, make_user) -> ApiWorld:
    from app.accounts.models import ApiToken, User
    from app.accounts.tokens import issue_token
    from app.contests import attempts
    from app.contests.models import Contest, ContestRound
    from app.contests.service import register_entry
    from app.core.types import utcnow
    from app.localities.service import get_by_code

    participant = make_user(full_name="Lê Thị Tham Gia", locality=tree["v1"])
    rival = make_user(full_name="Trần Văn Đối Thủ", locality=tree["v2"])
    with app.app_context():
        make_bank()
        now = utcnow()
        contest = Contest(slug="cuoc-thi", title="Cuộc thi thử", rules="Luật", groups=["citizen", "official"],
                          eligibility_id=get_by_code(tree["province"]).id)
        db.session.add(contest)
        db.session.flush()
        round_ = ContestRound(
            contest_id=contest.id, number=1, title="Tuần 1", opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7), question_count=5,
            draw={"banks": ["thu"], "mix": {"1": 2, "2": 2, "3": 1}}, time_limit_seconds=600,
            attempts_allowed=3, grace_seconds=10, prediction_enabled=True,
        )
        db.session.add(round_)
        db.session.flush()
        for person, code in ((participant, tree["v1"]), (rival, tree["v2"])):
            register_entry(contest, db.session.get(User, person.id), "citizen", person.full_name, 1980,
                           get_by_code(code))
        done = attempts.start_attempt(round_, rival.id)
        attempts.submit_attempt(done, right_answers(done), 3)
        attempt = attempts.start_attempt(round_, participant.id)
        token, _row = issue_token(db.session.get(User, participant.id))
        expired, row = issue_token(db.session.get(User, participant.id))
        row.expires_at = now - timedelta(minutes=1)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 2
        return ApiWorld(contest.slug, round_.number, token, expired, attempt.id, right_answers(attempt),
                        tree["d1"], participant.phone)


@pytest.fixture
def bearer(api_world) -> dict[str, str]:
    """The participant's ``Authorization`` header."""
    return {"Authorization": f"Bearer {api_world.token}"}

