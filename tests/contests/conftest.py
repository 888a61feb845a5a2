"""Fixtures of the contest tests: a small bank, a contest over the test tree, an open round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.extensions import db

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Ho_Chi_Minh


def make_bank(slug: str = "thu", n: int = 12) -> None:
    """``n`` questions of 4 options, the right one always option A, difficulties 1–3 in turn."""
    from app.contests.banks import QuestionData, save_bank

    questions = [
        QuestionData(
            f"q{i}",
            f"Câu hỏi {i}?",
            [f"Đúng {i}", "Sai 1", "Sai 2", "Sai 3"],
            [0],
            f"Giải thích {i}",
            "2.3",
            i % 3 + 1,
            ["vneid" if i % 2 else "dvc"],
        )
        for i in range(1, n + 1)
    ]
    save_bank(slug, "Ngân hàng thử", questions, "file")


@pytest.fixture
def world(app, tree, make_user):
    """Returns ids: contest slug, round id, an organizer (province 90) and a helper to register."""
    from app.contests.models import Contest, ContestRound
    from app.localities.service import get_by_code

    organizer = make_user(full_name="Ban Tổ Chức", roles={"organizer": "90"})
    with app.app_context():
        make_bank()
        contest = Contest(
            slug="cuoc-thi",
            title="Cuộc thi thử",
            rules="Luật",
            groups=["citizen", "official"],
            eligibility_id=get_by_code("90").id,
        )
        db.session.add(contest)
        db.session.flush()
        round_ = ContestRound(
            contest_id=contest.id,
            number=1,
            title="Tuần 1",
            opens_at=NOW - timedelta(hours=1),
            closes_at=NOW + timedelta(days=7),
            question_count=5,
            draw={"banks": ["thu"], "mix": {"1": 2, "2": 2, "3": 1}},
            time_limit_seconds=600,
            attempts_allowed=2,
            grace_seconds=10,
            prediction_enabled=True,
            prizes=[{"label": "Nhất", "count": 1}, {"label": "Nhì", "count": 2}],
        )
        db.session.add(round_)
        db.session.commit()
        ids = {"slug": contest.slug, "contest_id": contest.id, "round_id": round_.id}
    ids["organizer"] = organizer
    return ids


@pytest.fixture
def register(app, make_user):
    """``register(slug, locality="9010101", grp="citizen", name=...)`` → a registered user."""

    def do(
        slug: str = "cuoc-thi",
        locality: str = "9010101",
        grp: str = "citizen",
        name: str = "Nguyễn Văn An",
        unit: str | None = None,
    ):
        user = make_user(
            full_name=name, locality=locality, kind="official" if grp == "official" else "citizen"
        )
        with app.app_context():
            from app.accounts.models import User
            from app.contests.service import get_contest, register_entry
            from app.localities.service import get_by_code

            register_entry(
                get_contest(slug),
                db.session.get(User, user.id),
                grp,
                name,
                1980,
                get_by_code(locality),
                unit or ("UBND xã" if grp == "official" else None),
            )
            db.session.commit()
        return user

    return do


def right_answers(attempt) -> dict:
    """Answers choosing the right option (index 0 in the test banks) for every drawn question, as
    a participant sends them: the attempt's option tokens."""
    return {str(item["id"]): option_values(item, [0]) for item in attempt.questions}


def right_values(app, attempt_id: int) -> dict:
    """``right_answers`` of a stored attempt (for tests that started it through HTTP)."""
    from app.contests.models import ContestAttempt

    with app.app_context():
        return right_answers(db.session.get(ContestAttempt, attempt_id))


def option_values(item: dict, indexes: list[int]) -> list[str]:
    """What a participant sends to choose the bank's option ``indexes`` of a drawn question."""
    from app.contests.banks import shown_tokens

    return shown_tokens(item, indexes)


@pytest.fixture
def redis_client(app):
    """The configured Redis, else a local one on db 12 when reachable (else the test is skipped)."""
    client = app.extensions.get("redis")
    if client is None:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/12", decode_responses=True, socket_timeout=2)
        try:
            client.ping()
        except redis.RedisError:
            pytest.skip("no Redis server on 127.0.0.1:6379")
        client.flushdb()
    yield client
    client.flushdb()
