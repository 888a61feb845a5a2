"""Demo contest for ``flask demo seed``: the demo bank, a closed finalized round and an open round
(30 questions, 15 minutes), with generated participants across the demo localities."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.accounts.models import User
from app.accounts.service import find_or_create_unit
from app.contests import attempts
from app.contests import banks as bank_service
from app.contests import service as contest_service
from app.contests.models import Contest, ContestAttempt, ContestEntry, ContestRound
from app.core.extensions import db
from app.core.text import fold
from app.core.types import utcnow
from app.localities.models import VILLAGE_TYPES, Locality

SLUG = "chuyen-doi-so-binh-phuoc"
DEMO_PROVINCE = "75"  # Tỉnh Đồng Nai, which took over Bình Phước on 1 July 2025 (app/localities/demo.py)
PEOPLE = 240
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Điểu", "Thị"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hữu", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dung",
    "Hà",
    "Hải",
    "Hoa",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Tâm",
]


def fill_headcounts() -> None:
    """Give demo villages a headcount (a third of the population, a whole number of people) and sum
    it up today's tree where empty."""
    db.session.execute(
        update(Locality)
        .where(
            Locality.is_demo,
            Locality.headcount.is_(None),
            Locality.population.is_not(None),
            Locality.type.in_(VILLAGE_TYPES),
        )
        .values(headcount=Locality.population // 3)
    )
    deepest = db.session.scalar(select(func.max(Locality.depth)).where(Locality.is_demo)) or 0
    for depth in range(deepest - 1, -1, -1):
        for loc in db.session.scalars(
            select(Locality).where(Locality.is_demo, Locality.depth == depth, Locality.headcount.is_(None),
                                   Locality.dissolved_on.is_(None))
        ):
            below = db.session.scalar(
                select(func.sum(Locality.headcount)).where(Locality.parent_id == loc.id)
            )
            loc.headcount = int(below or 0) or None
    db.session.flush()


def _generate(contest: Contest, rounds: list[ContestRound], rng: random.Random) -> None:
    villages = list(db.session.scalars(select(Locality).where(
        Locality.is_demo, Locality.type.in_(VILLAGE_TYPES), Locality.dissolved_on.is_(None)).order_by(Locality.code)))
    communes = {
        c.id: c for c in db.session.scalars(select(Locality).where(
            Locality.is_demo, Locality.id.in_({v.parent_id for v in villages})))
    }
    for i in range(PEOPLE):
        village = rng.choice(villages)
        official = i % 5 == 0
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        user = User(
            phone=f"0880{i:06d}",
            full_name=name,
            search_name=fold(name),
            is_demo=True,
            kind="official" if official else "citizen",
            locality=village,
        )
        db.session.add(user)
        db.session.flush()
        unit = None
        if official:
            assert village.parent_id is not None  # villages of the demo tree have a commune
            commune = communes[village.parent_id]
            unit = find_or_create_unit(f"UBND {commune.type.lower()} {commune.name}", commune, 20)
        entry = ContestEntry(
            contest_id=contest.id,
            user_id=user.id,
            grp="official" if official else "citizen",
            full_name=name,
            phone=user.phone,
            birth_year=rng.randint(1955, 2006),
            locality_id=village.id,
            workplace_unit_id=unit.id if unit else None,
        )
        db.session.add(entry)
        db.session.flush()
        ability = rng.uniform(0.5, 0.98)
        for round_ in rounds:
            if rng.random() < 0.25:
                continue
            _generated_attempt(round_, user.id, ability, rng)


def _generated_attempt(round_: ContestRound, user_id: int, ability: float, rng: random.Random) -> None:
    opens, closes = round_.opens_at, min(round_.closes_at, utcnow())
    started = opens + (closes - opens - timedelta(minutes=20)) * rng.random()
    pool = bank_service.eligible_questions(round_.draw["banks"])
    draw = bank_service.draw_questions(pool, round_.draw.get("mix"), round_.question_count, rng)
    questions = attempts._questions(ContestAttempt(questions=draw))
    answers = {
        str(item["id"]): list(questions[item["id"]].correct)
        if rng.random() < ability
        else [(questions[item["id"]].correct[0] + 1) % len(item["order"])]
        for item in draw
    }
    duration = timedelta(seconds=rng.randint(120, round_.time_limit_seconds - 5))
    attempt = ContestAttempt(
        round_id=round_.id,
        user_id=user_id,
        number=1,
        status="open",
        started_at=started,
        deadline=started + timedelta(seconds=round_.time_limit_seconds),
        questions=draw,
        answers=answers,
        prediction=rng.choice([None, rng.randint(0, 60)]),
    )
    db.session.add(attempt)
    db.session.flush()
    # Closed as a submit closes it: grade, evidence, best result, tallies and live board.
    attempts.close_attempt(
        attempt, answers, "submitted", started + duration, int(duration.total_seconds() * 1000),
        attempt.prediction,
    )


def seed_contest_demo() -> None:
    """Idempotent: loads the banks; creates the demo contest only once."""
    bank_service.load_bank_files()
    fill_headcounts()
    if contest_service.get_contest(SLUG) is not None:
        return
    province = db.session.scalar(select(Locality).where(Locality.code == DEMO_PROVINCE))
    organizer = db.session.scalar(select(User).where(User.phone == "0900000002"))
    if province is None or organizer is None:
        return
    now = utcnow().replace(second=0, microsecond=0)
    contest = contest_service.save_contest(
        None,
        organizer,
        slug=SLUG,
        title='Cuộc thi trực tuyến "Tìm hiểu chuyển đổi số" tỉnh Đồng Nai',
        rules="Mỗi tuần một vòng thi. Mỗi lượt thi gồm các câu hỏi trắc nghiệm chọn ngẫu nhiên.\n"
        "Xếp hạng theo: số câu đúng, sai số câu dự đoán, thời gian làm bài, thời điểm nộp bài.\n"
        "Nghiêm cấm thi hộ; Ban Tổ chức có quyền hủy kết quả vi phạm.",
        groups=["citizen", "official"],
        eligibility_id=province.id,
        published=True,
        is_demo=True,
    )
    common: dict[str, Any] = {
        "draw": {"banks": ["chuyen-doi-so"], "tags": [], "mix": {"1": 12, "2": 12, "3": 6}},
        "question_count": 30,
        "time_limit_seconds": 900,
        "grace_seconds": 10,
        "prediction_enabled": True,
        "review_after_close": True,
        "criteria": ["score", "prediction", "duration", "submitted"],
        "prizes": [
            {"label": "Giải Nhất", "count": 1},
            {"label": "Giải Nhì", "count": 2},
            {"label": "Giải Ba", "count": 3},
            {"label": "Giải Khuyến khích", "count": 5},
        ],
    }
    closed = contest_service.save_round(
        contest,
        None,
        organizer,
        title="Tuần 1",
        opens_at=now - timedelta(days=14),
        closes_at=now - timedelta(days=7),
        attempts_allowed=1,
        **common,
    )
    open_ = contest_service.save_round(
        contest,
        None,
        organizer,
        title="Tuần 2",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=4),
        attempts_allowed=2,
        **common,
    )
    _generate(contest, [closed, open_], random.Random(70))
    contest_service.finalize_round(closed, organizer, now)
    db.session.flush()
