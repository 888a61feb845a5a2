"""Competency levels from evidence: the one rule (also explained in docs/competency.md).

The rule, per competence, over the person's ``Evidence`` rows for that competence code:

1. Every observation weighs ``SOURCE_WEIGHTS[source] × difficulty`` (difficulty clamped to 1–3): a
   hard contest question answered right says more than an easy lesson step.
2. ``S`` is the weight of the successful observations, ``F`` that of the failed ones, and the
   success rate is ``S / (S + F)``.
3. The level is the highest ``L`` in 1–8 whose step ``(minimum S, minimum rate)`` in ``LEVEL_STEPS``
   is met. No evidence, or no success yet, is level 0 ("not assessed yet").

An area's level is the floor of the mean level of the area's competences that have a level ≥ 1
(0 when none). The overall "digital citizen" level is the highest ``L`` such that at least
``AREA_BREADTH`` areas are at ``L`` or above; a person with some level in only one area is at
level 1 overall. Breadth matters: the title means one can get by in several areas, not one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select

from app.competency.evidence import record_evidence
from app.competency.framework import Framework, get_framework
from app.competency.models import CompetenceLevel, Evidence, PersonLevel
from app.core.extensions import db
from app.core.types import utcnow

SOURCE_WEIGHTS = {"lesson": 1.0, "lesson_check": 1.0, "practice": 1.0, "contest": 1.5, "placement": 2.0}
# (minimum weighted successes S, minimum success rate) for levels 1 to 8.
LEVEL_STEPS: tuple[tuple[float, float], ...] = (
    (1, 0.0),
    (3, 0.5),
    (6, 0.6),
    (10, 0.65),
    (15, 0.7),
    (21, 0.75),
    (28, 0.8),
    (36, 0.85),
)
AREA_BREADTH = 2


def competence_level(observations: Iterable[tuple[str, bool, float]]) -> int:
    """Level 0–8 of one competence from ``(source, success, difficulty)`` observations."""
    successes = failures = 0.0
    for source, success, difficulty in observations:
        weight = SOURCE_WEIGHTS.get(source, 1.0) * min(3.0, max(1.0, float(difficulty or 1.0)))
        if success:
            successes += weight
        else:
            failures += weight
    if successes <= 0:
        return 0
    rate = successes / (successes + failures)
    level = 0
    for number, (min_successes, min_rate) in enumerate(LEVEL_STEPS, start=1):
        if successes + 1e-9 >= min_successes and rate + 1e-9 >= min_rate:
            level = number
    return level


def area_level(levels: Iterable[int]) -> int:
    """Floor of the mean of the assessed (≥ 1) competence levels of one area; 0 when none."""
    assessed = [lvl for lvl in levels if lvl >= 1]
    return sum(assessed) // len(assessed) if assessed else 0


def overall_level(area_levels: Iterable[int], breadth: int = AREA_BREADTH) -> int:
    """The "digital citizen" level: highest L with at least ``breadth`` areas at L or above."""
    levels = sorted((lvl for lvl in area_levels if lvl >= 1), reverse=True)
    if not levels:
        return 0
    if len(levels) < breadth:
        return 1
    return levels[breadth - 1]


@dataclass
class Profile:
    """A person's levels: per competence, per area (every area of the framework) and overall."""

    competences: dict[str, int] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)
    overall: int = 0


def levels_from_evidence(rows: Iterable[tuple[str, str, bool, float]], framework: Framework) -> Profile:
    """Apply the rule to ``(competence_code, source, success, difficulty)`` rows of one person.

    Codes that are not in the framework are ignored (a province may have replaced the framework).
    """
    known = framework.competences
    by_code: dict[str, list[tuple[str, bool, float]]] = defaultdict(list)
    for code, source, success, difficulty in rows:
        if code in known:
            by_code[code].append((source, success, difficulty))
    profile = Profile()
    for code in known:
        profile.competences[code] = competence_level(by_code.get(code, ()))
    for area in framework.areas:
        profile.areas[area.code] = area_level(profile.competences[c.code] for c in area.competences)
    profile.overall = overall_level(profile.areas.values())
    return profile


def compute_profile(user_id: int) -> Profile:
    """The person's levels computed now from all their evidence."""
    rows = db.session.execute(
        select(Evidence.competence_code, Evidence.source, Evidence.success, Evidence.difficulty).where(
            Evidence.user_id == user_id
        )
    ).tuples().all()
    return levels_from_evidence(rows, get_framework())


def refresh_levels(user_ids: Iterable[int]) -> int:
    """Recompute and store the cached levels of these people (caller commits); returns how many."""
    framework = get_framework()
    area_of = {code: comp.area for code, comp in framework.competences.items()}
    ids = sorted(set(user_ids))
    now = utcnow()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows: dict[int, list] = defaultdict(list)
        for user_id, code, source, success, difficulty in db.session.execute(
            select(
                Evidence.user_id,
                Evidence.competence_code,
                Evidence.source,
                Evidence.success,
                Evidence.difficulty,
            ).where(Evidence.user_id.in_(chunk))
        ):
            rows[user_id].append((code, source, success, difficulty))
        db.session.execute(delete(CompetenceLevel).where(CompetenceLevel.user_id.in_(chunk)))
        db.session.execute(delete(PersonLevel).where(PersonLevel.user_id.in_(chunk)))
        level_rows: list[dict] = []
        person_rows: list[dict] = []
        for user_id in chunk:
            profile = levels_from_evidence(rows.get(user_id, ()), framework)
            level_rows.extend(
                {
                    "user_id": user_id,
                    "competence_code": code,
                    "area_code": area_of[code],
                    "level": lvl,
                    "updated_at": now,
                }
                for code, lvl in profile.competences.items()
                if lvl > 0
            )
            person_rows.append({"user_id": user_id, "level": profile.overall, "updated_at": now})
        if level_rows:
            db.session.execute(insert(CompetenceLevel), level_rows)
        db.session.execute(insert(PersonLevel), person_rows)
    return len(ids)


def people_with_new_evidence(since) -> list[int]:
    """Ids of people who have evidence recorded after ``since`` (None: everyone with evidence)."""
    query = select(Evidence.user_id).distinct()
    if since is not None:
        query = query.where(Evidence.occurred_at > since)
    return list(db.session.scalars(query))


# --- the learner's profile and the placement test ---------------------------------------------

PLACEMENT_PER_AREA = 2
SUGGESTIONS = 5


def suggest_lessons(user_id: int, levels: dict[str, int], limit: int = SUGGESTIONS) -> list[dict]:
    """Published lessons the person has not completed, for their weakest competences first.

    Lessons are ranked by the lowest current level among the competences they teach (ties: course
    and lesson order); lessons teaching no framework competence are not suggested.
    """
    from app.learn.models import Course, Lesson, LessonProgress

    done = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    lessons = db.session.scalars(
        select(Lesson)
        .join(Course)
        .where(Lesson.status == "published", Course.status == "published")
        .order_by(Course.position, Lesson.position)
    )
    ranked: list[tuple] = []
    for lesson in lessons:
        codes = [c for c in (lesson.competences or []) if c in levels]
        if lesson.id in done or not codes:
            continue
        weakest = min(codes, key=lambda c: levels[c])
        ranked.append((levels[weakest], len(ranked), lesson, weakest))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [
        {"lesson": lesson, "competence": code, "level": level} for level, _n, lesson, code in ranked[:limit]
    ]


PROFILE_SUGGESTIONS = 3  # the profile opens with this many suggested lessons
EVIDENCE_PER_PAGE = 20


def level_words(level: int) -> str:
    """A level as a person reads it: "Cơ bản 2", "Chưa có cấp độ" for 0 (``Framework.level_name``)."""
    return get_framework().level_name(int(level or 0))


def evidence_summary(user_id: int) -> list[dict]:
    """The person's evidence added up per competence, in framework order: times shown, times not
    yet, the last time (one row per competence instead of one per answer)."""
    framework = get_framework()
    rows = db.session.execute(
        select(Evidence.competence_code,
               func.count().filter(Evidence.success.is_(True)),
               func.count().filter(Evidence.success.is_(False)),
               func.max(Evidence.occurred_at))
        .where(Evidence.user_id == user_id).group_by(Evidence.competence_code)).all()
    found = {code: (int(shown), int(missed), last) for code, shown, missed, last in rows}
    return [{"code": code, "name": competence.name(), "shown": found[code][0], "not_yet": found[code][1],
             "last": found[code][2]}
            for code, competence in framework.competences.items() if code in found]


def evidence_details(user_id: int, page: int = 1, per_page: int = EVIDENCE_PER_PAGE) -> tuple[list, int]:
    """One page of the person's evidence, newest first, and the number of pages (at least 1)."""
    total = db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.user_id == user_id)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        select(Evidence).where(Evidence.user_id == user_id)
        .order_by(Evidence.occurred_at.desc(), Evidence.competence_code)
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(rows), pages


def profile_page(user_id: int) -> dict:
    """What the profile page shows: three suggested lessons, levels per area (in words) and
    competence, and the evidence added up per competence (the details are paginated apart)."""
    framework = get_framework()
    profile = compute_profile(user_id)
    areas = [
        {
            "code": a.code,
            "name": a.name(),
            "level": profile.areas[a.code],
            "words": level_words(profile.areas[a.code]),
            "competences": [
                {"code": c.code, "name": c.name(), "level": profile.competences[c.code],
                 "words": level_words(profile.competences[c.code])}
                for c in a.competences
            ],
        }
        for a in framework.areas
    ]
    alt = "; ".join(f"{a['code']}. {a['name']}: {a['level']} ({a['words']})" for a in areas)
    return {
        "profile": profile,
        "areas": areas,
        "summary": evidence_summary(user_id),
        "competence_names": {code: c.name() for code, c in framework.competences.items()},
        "group": framework.level_group(profile.overall) if profile.overall else None,
        "groups": framework.groups,
        "suggestions": suggest_lessons(user_id, profile.competences, limit=PROFILE_SUGGESTIONS),
        "radar_alt": alt,
    }


def draw_placement(per_area: int = PLACEMENT_PER_AREA, rng=None) -> list:
    """Active questions drawn at random, ``per_area`` from each area of the framework that has some."""
    import random

    from app.contests.models import Question

    rng = rng or random.SystemRandom()
    framework = get_framework()
    by_area: dict[str, list[int]] = defaultdict(list)
    for qid, code, correct in db.session.execute(
        select(Question.id, Question.competence_code, Question.correct).where(Question.active)
    ):
        comp = framework.competences.get(code)
        # The placement test asks one answer per question: multi-answer questions are left out.
        if comp is not None and len(correct or []) == 1:
            by_area[comp.area].append(qid)
    chosen: list[int] = []
    for area in framework.areas:
        ids = by_area.get(area.code, [])
        chosen.extend(rng.sample(ids, min(per_area, len(ids))))
    if not chosen:
        return []
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(chosen)))}
    return [questions[i] for i in chosen]


@dataclass
class PlacementResult:
    right: int
    total: int


def placement_layout(questions: list, nonce: str) -> list[dict]:
    """The placement test's questions as shown for the session's ``nonce``: options shuffled and
    identified by tokens that mean nothing outside this test (``banks.keyed_draw``)."""
    from app.contests.banks import keyed_draw, option_tokens

    draw = {item["id"]: item for item in keyed_draw([(q.id, len(q.options)) for q in questions], nonce)}
    return [
        {"id": q.id, "text": q.text,
         "options": [{"value": t, "text": q.options[i]}
                     for t, i in zip(option_tokens(draw[q.id]), draw[q.id]["order"], strict=True)]}
        for q in questions
    ]


def grade_placement(user_id: int, question_ids: list[int], answers: dict[int, str | None],
                    nonce: str) -> PlacementResult:
    """Record one placement evidence per drawn question (unanswered counts as wrong), then refresh
    the person's levels. ``answers`` are the option tokens sent (``placement_layout`` with the same
    ``nonce``). Caller commits."""
    from app.contests.banks import chosen_indexes, keyed_draw
    from app.contests.models import Question

    questions = db.session.scalars(select(Question).where(Question.id.in_(question_ids))).all()
    draw = {item["id"]: item for item in keyed_draw([(q.id, len(q.options)) for q in questions], nonce)}
    right = 0
    for question in questions:
        answer = answers.get(question.id)
        success = answer is not None and chosen_indexes(draw[question.id], [answer]) == list(question.correct or [])
        right += success
        record_evidence(
            user_id,
            [question.competence_code],
            "placement",
            f"question:{question.id}",
            success,
            float(question.difficulty or 1),
        )
    db.session.flush()
    refresh_levels([user_id])
    return PlacementResult(right, len(questions))
