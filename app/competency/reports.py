"""Pre-aggregated figures per locality and the dashboard queries over them.

Design (docs/competency.md, "Dashboards"):

- ``locality_stats`` / ``locality_area_stats`` / ``locality_week_stats`` hold, per locality, the
  figures of the people whose *home* unit it is. They are recomputed by SQL ``GROUP BY`` queries,
  for every unit (``flask reports refresh --full``) or only for the units whose people produced
  evidence, progress or sessions since the last refresh (``flask reports refresh``).
- A dashboard for unit X sums those rows over X's subtree with the path range condition of
  ``subtree_clause``; the child-unit table joins each child to the rows of its subtree the same
  way. At most one row per locality is read: 10,000 rows for a whole province.
- Before a reorganization ``archive_reports`` freezes the tree (``locality_history``) and the figures
  (``*_archive``) with ``valid_until`` = its date; a dashboard asked for an earlier date reads those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, literal_column, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.competency import levels as competency
from app.competency.models import (
    STAT_FIGURES,
    CompetenceLevel,
    Evidence,
    LocalityAreaStat,
    LocalityAreaStatArchive,
    LocalityStat,
    LocalityStatArchive,
    LocalityWeekStat,
    LocalityWeekStatArchive,
    PersonLevel,
    ReportRefresh,
)
from app.core.dialect import week_start
from app.core.extensions import db
from app.core.types import utcnow
from app.learn.models import AssistedSession, LessonProgress
from app.localities.models import Locality, LocalityHistory
from app.training.models import TrainingAssignment, TrainingEnrollment

CHUNK = 500


# --- refreshing --------------------------------------------------------------------------------


def _in(column, ids: list[int] | None):
    return literal(True) if ids is None else column.in_(ids)


def _figures(ids: list[int] | None, today: date) -> dict[int, dict]:
    """Per-locality figures for the people whose home unit is in ``ids`` (None: every unit)."""
    rows: dict[int, dict] = defaultdict(lambda: dict.fromkeys(STAT_FIGURES, 0))
    people = (
        select(
            User.locality_id,
            func.sum(case((User.kind == "citizen", 1), else_=0)),
            func.sum(case((User.kind == "official", 1), else_=0)),
        )
        .where(User.locality_id.is_not(None), _in(User.locality_id, ids))
        .group_by(User.locality_id)
    )
    for loc, citizens, officials in db.session.execute(people):
        rows[loc]["citizens"], rows[loc]["officials"] = int(citizens or 0), int(officials or 0)
    learning = (
        select(
            User.locality_id,
            func.count(func.distinct(LessonProgress.user_id)),
            func.count(LessonProgress.completed_at),
        )
        .join(User, User.id == LessonProgress.user_id)
        .where(_in(User.locality_id, ids))
        .group_by(User.locality_id)
    )
    for loc, learners, completed in db.session.execute(learning):
        if loc is not None:
            rows[loc]["learners"], rows[loc]["lessons_completed"] = learners, completed
    sessions = (
        select(AssistedSession.locality_id, func.count())
        .where(AssistedSession.locality_id.is_not(None), _in(AssistedSession.locality_id, ids))
        .group_by(AssistedSession.locality_id)
    )
    for loc, count in db.session.execute(sessions):
        rows[loc]["assisted_sessions"] = count
    # Contest participants: people with at least one contest answer recorded as evidence.
    contest = (
        select(User.locality_id, func.count(func.distinct(Evidence.user_id)))
        .join(User, User.id == Evidence.user_id)
        .where(Evidence.source == "contest", _in(User.locality_id, ids))
        .group_by(User.locality_id)
    )
    for loc, count in db.session.execute(contest):
        if loc is not None:
            rows[loc]["contest_participants"] = count
    overdue = and_(TrainingEnrollment.completed_at.is_(None), TrainingAssignment.due_on < today)
    training = (
        select(
            User.locality_id,
            func.count(),
            func.count(TrainingEnrollment.completed_at),
            func.sum(case((overdue, 1), else_=0)),
        )
        .select_from(TrainingEnrollment)
        .join(User, User.id == TrainingEnrollment.user_id)
        .join(TrainingAssignment, TrainingAssignment.id == TrainingEnrollment.assignment_id)
        .where(_in(User.locality_id, ids))
        .group_by(User.locality_id)
    )
    for loc, required, completed, late in db.session.execute(training):
        if loc is not None:
            rows[loc].update(
                training_required=required, training_completed=completed, training_overdue=int(late or 0)
            )
    levels = (
        select(User.locality_id, func.coalesce(PersonLevel.level, literal_column("0")), func.count())
        .outerjoin(PersonLevel, PersonLevel.user_id == User.id)
        .where(User.kind == "citizen", User.locality_id.is_not(None), _in(User.locality_id, ids))
        .group_by(User.locality_id, func.coalesce(PersonLevel.level, literal_column("0")))
    )
    for loc, level, count in db.session.execute(levels):
        rows[loc][f"level_{level}"] = count
    return rows


def _area_rows(ids: list[int] | None) -> list[dict]:
    per_person = (
        select(
            CompetenceLevel.user_id,
            CompetenceLevel.area_code,
            (func.sum(CompetenceLevel.level) / func.count()).label("lvl"),
        )
        .group_by(CompetenceLevel.user_id, CompetenceLevel.area_code)
        .subquery()
    )
    query = (
        select(User.locality_id, per_person.c.area_code, func.count(), func.sum(per_person.c.lvl))
        .join(per_person, per_person.c.user_id == User.id)
        .where(User.locality_id.is_not(None), _in(User.locality_id, ids))
        .group_by(User.locality_id, per_person.c.area_code)
    )
    return [
        {"locality_id": loc, "area_code": area, "people": people, "level_sum": int(total or 0)}
        for loc, area, people, total in db.session.execute(query)
    ]


def _week_rows(ids: list[int] | None) -> list[dict]:
    rows: dict[tuple, dict] = {}

    def bucket(loc, week):
        key = (loc, week if isinstance(week, date) else date.fromisoformat(str(week)[:10]))
        return rows.setdefault(
            key,
            {
                "locality_id": key[0],
                "week_start": key[1],
                "lessons_completed": 0,
                "active_learners": 0,
                "assisted_sessions": 0,
            },
        )

    week = week_start(LessonProgress.completed_at)
    query = (
        select(User.locality_id, week, func.count(), func.count(func.distinct(LessonProgress.user_id)))
        .join(User, User.id == LessonProgress.user_id)
        .where(
            LessonProgress.completed_at.is_not(None),
            User.locality_id.is_not(None),
            _in(User.locality_id, ids),
        )
        .group_by(User.locality_id, week)
    )
    for loc, wk, lessons, learners in db.session.execute(query):
        bucket(loc, wk).update(lessons_completed=lessons, active_learners=learners)
    week = week_start(AssistedSession.started_at)
    query = (
        select(AssistedSession.locality_id, week, func.count())
        .where(AssistedSession.locality_id.is_not(None), _in(AssistedSession.locality_id, ids))
        .group_by(AssistedSession.locality_id, week)
    )
    for loc, wk, count in db.session.execute(query):
        bucket(loc, wk)["assisted_sessions"] = count
    return list(rows.values())


def refresh_localities(ids: list[int] | None, today: date | None = None) -> int:
    """Recompute the stored figures of these units (None: all); caller commits. Returns units written."""
    today = today or date.today()
    now = utcnow()
    figures = _figures(ids, today)
    for table in (LocalityStat, LocalityAreaStat, LocalityWeekStat):
        db.session.execute(delete(table).where(_in(table.locality_id, ids)))
    if figures:
        db.session.execute(
            insert(LocalityStat),
            [{"locality_id": loc, "refreshed_at": now, **values} for loc, values in figures.items()],
        )
    areas = _area_rows(ids)
    if areas:
        db.session.execute(insert(LocalityAreaStat), areas)
    weeks = _week_rows(ids)
    if weeks:
        db.session.execute(insert(LocalityWeekStat), weeks)
    return len(figures)


def changed_localities(since: datetime) -> list[int]:
    """Home units of people with evidence, lesson progress or assisted sessions after ``since``."""
    people = (
        select(Evidence.user_id)
        .where(Evidence.occurred_at > since)
        .union(
            select(LessonProgress.user_id).where(LessonProgress.updated_at > since),
            select(TrainingEnrollment.user_id)
            .join(TrainingAssignment)
            .where(TrainingAssignment.created_at > since),
            select(User.id).where(User.created_at > since),
        )
        .subquery()
    )
    ids = set(
        db.session.scalars(
            select(User.locality_id).where(User.id.in_(select(people)), User.locality_id.is_not(None))
        )
    )
    ids |= set(
        db.session.scalars(
            select(AssistedSession.locality_id).where(
                AssistedSession.started_at > since, AssistedSession.locality_id.is_not(None)
            )
        )
    )
    return sorted(i for i in ids if i is not None)


def refresh_reports(
    full: bool = False,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> ReportRefresh:
    """Refresh cached levels and locality figures; incremental unless ``full`` or never refreshed.

    Overdue counts depend on the date, so a daily full refresh (cron) keeps them exact; the
    incremental refresh follows new activity within minutes. Caller commits.
    """
    last = db.session.scalar(
        select(ReportRefresh)
        .where(ReportRefresh.finished_at.is_not(None))
        .order_by(ReportRefresh.started_at.desc())
        .limit(1)
    )
    since = None if full or last is None else last.started_at
    full = since is None
    run = ReportRefresh(full=full)
    db.session.add(run)
    people = competency.people_with_new_evidence(since)
    locality_ids = [] if since is None else changed_localities(since)
    steps = (len(people) + CHUNK - 1) // CHUNK + (1 if full else (len(locality_ids) + CHUNK - 1) // CHUNK)
    if total:
        total(steps)
    for start in range(0, len(people), CHUNK):
        competency.refresh_levels(people[start : start + CHUNK])
        if progress:
            progress(1)
    if full:
        run.localities = refresh_localities(None)
        if progress:
            progress(1)
    else:
        for start in range(0, len(locality_ids), CHUNK):
            run.localities += refresh_localities(locality_ids[start : start + CHUNK])
            if progress:
                progress(1)
    run.finished_at = utcnow()
    return run


def archive_reports(valid_until: date) -> None:
    """Freeze the current tree and figures as the view of every date before ``valid_until``."""
    for table in (LocalityHistory, LocalityStatArchive, LocalityAreaStatArchive, LocalityWeekStatArchive):
        db.session.execute(delete(table).where(table.valid_until == valid_until))
    cols = ["locality_id", "code", "name", "type", "parent_id", "path", "depth"]
    db.session.execute(
        insert(LocalityHistory).from_select(
            ["valid_until", *cols],
            select(
                literal(valid_until),
                Locality.id,
                Locality.code,
                Locality.name,
                Locality.type,
                Locality.parent_id,
                Locality.path,
                Locality.depth,
            ),
        )
    )
    for source, target, columns in (
        (LocalityStat, LocalityStatArchive, ["locality_id", *STAT_FIGURES]),
        (LocalityAreaStat, LocalityAreaStatArchive, ["locality_id", "area_code", "people", "level_sum"]),
        (
            LocalityWeekStat,
            LocalityWeekStatArchive,
            ["locality_id", "week_start", "lessons_completed", "active_learners", "assisted_sessions"],
        ),
    ):
        db.session.execute(
            insert(target).from_select(
                ["valid_until", *columns],
                select(literal(valid_until), *[getattr(source, c) for c in columns]),
            )
        )


# --- reading -------------------------------------------------------------------------------------


@dataclass
class View:
    """Which tree and figures a dashboard reads: the current ones, or an archive before a date."""

    valid_until: date | None = None

    @property
    def tree(self):
        return LocalityHistory if self.valid_until else Locality

    def tables(self):
        if self.valid_until:
            return LocalityStatArchive, LocalityAreaStatArchive, LocalityWeekStatArchive
        return LocalityStat, LocalityAreaStat, LocalityWeekStat

    def where(self, *tables):
        if not self.valid_until:
            return []
        return [t.valid_until == self.valid_until for t in tables]


def view_for(on: date | None) -> View:
    """The view for a date: the archive of the first reorganization after ``on``, else current."""
    if on is None:
        return View()
    valid_until = db.session.scalar(
        select(func.min(LocalityHistory.valid_until)).where(LocalityHistory.valid_until > on)
    )
    return View(valid_until)


def _end(path_col):
    return func.substr(path_col, 1, func.length(path_col) - 1).concat("0")


def unit_totals(path: str, view: View | None = None) -> dict[str, int]:
    """Sum of every figure over the subtree at ``path``."""
    view = view or View()
    stat = view.tables()[0]
    tree = view.tree
    query = (
        select(*[func.coalesce(func.sum(getattr(stat, f)), 0) for f in STAT_FIGURES])
        .join(tree, tree.locality_id == stat.locality_id if view.valid_until else tree.id == stat.locality_id)
        .where(tree.path >= path, tree.path < path[:-1] + "0", *view.where(stat, tree))
    )
    return dict(zip(STAT_FIGURES, (int(v) for v in db.session.execute(query).one()), strict=True))


def _children(parent_id: int, view: View, on: date):
    tree = view.tree
    if view.valid_until:
        return select(tree.locality_id.label("id"), tree.code, tree.name, tree.type, tree.path).where(
            tree.parent_id == parent_id, tree.valid_until == view.valid_until
        )
    return select(tree.id, tree.code, tree.name, tree.type, tree.path).where(
        tree.parent_id == parent_id, or_(tree.dissolved_on.is_(None), tree.dissolved_on > on)
    )


def child_totals(parent_id: int, view: View | None = None, on: date | None = None) -> list[dict]:
    """One row per child unit: its code, name, type and the figures summed over its subtree."""
    view = view or View()
    on = on or date.today()
    kids = _children(parent_id, view, on).subquery()
    stat = view.tables()[0]
    tree = aliased(view.tree)
    tree_id = tree.locality_id if view.valid_until else tree.id
    query = (
        select(
            kids.c.id,
            kids.c.code,
            kids.c.name,
            kids.c.type,
            *[func.coalesce(func.sum(getattr(stat, f)), 0) for f in STAT_FIGURES],
        )
        .select_from(kids)
        .join(
            tree,
            and_(tree.path >= kids.c.path, tree.path < _end(kids.c.path), *view.where(tree)),
            isouter=True,
        )
        .join(stat, and_(stat.locality_id == tree_id, *view.where(stat)), isouter=True)
        .group_by(kids.c.id, kids.c.code, kids.c.name, kids.c.type)
        .order_by(kids.c.name)
    )
    result = []
    for row in db.session.execute(query):
        figures = dict(zip(STAT_FIGURES, (int(v) for v in row[4:]), strict=True))
        result.append({"id": row[0], "code": row[1], "name": row[2], "type": row[3], **figures})
    return result


def child_area_levels(
    parent_id: int, view: View | None = None, on: date | None = None
) -> dict[int, dict[str, float]]:
    """Mean area level per child unit: ``{child_id: {area_code: mean}}`` (areas without data absent)."""
    view = view or View()
    on = on or date.today()
    kids = _children(parent_id, view, on).subquery()
    area = view.tables()[1]
    tree = aliased(view.tree)
    tree_id = tree.locality_id if view.valid_until else tree.id
    query = (
        select(kids.c.id, area.area_code, func.sum(area.people), func.sum(area.level_sum))
        .select_from(kids)
        .join(tree, and_(tree.path >= kids.c.path, tree.path < _end(kids.c.path), *view.where(tree)))
        .join(area, and_(area.locality_id == tree_id, *view.where(area)))
        .group_by(kids.c.id, area.area_code)
    )
    result: dict[int, dict[str, float]] = defaultdict(dict)
    for child, code, people, total in db.session.execute(query):
        if people:
            result[child][code] = round(total / people, 2)
    return result


def weekly_totals(
    path: str, weeks: int = 12, view: View | None = None, today: date | None = None
) -> list[dict]:
    """The last ``weeks`` weeks (oldest first) summed over the subtree at ``path``, zeros included."""
    view = view or View()
    today = today or (view.valid_until - timedelta(days=1) if view.valid_until else date.today())
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    week = view.tables()[2]
    tree = view.tree
    tree_id = tree.locality_id if view.valid_until else tree.id
    query = (
        select(
            week.week_start,
            func.sum(week.lessons_completed),
            func.sum(week.active_learners),
            func.sum(week.assisted_sessions),
        )
        .join(tree, tree_id == week.locality_id)
        .where(
            tree.path >= path, tree.path < path[:-1] + "0", week.week_start >= first, *view.where(week, tree)
        )
        .group_by(week.week_start)
    )
    found = {row[0]: row[1:] for row in db.session.execute(query)}
    out = []
    for n in range(weeks):
        start = first + timedelta(weeks=n)
        lessons, learners, sessions = found.get(start, (0, 0, 0))
        out.append(
            {
                "week_start": start,
                "lessons_completed": int(lessons or 0),
                "active_learners": int(learners or 0),
                "assisted_sessions": int(sessions or 0),
            }
        )
    return out


# --- derived rates -------------------------------------------------------------------------------


def pct(part: int, whole: int) -> float:
    """A percentage rounded to one decimal (0 when the whole is 0)."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def rates(figures: dict[str, int]) -> dict[str, float]:
    """The shares a leader compares units by, as percentages."""
    people = figures["citizens"] + figures["officials"]
    return {
        "learner_rate": pct(figures["learners"], people),
        "level3_rate": pct(sum(figures[f"level_{n}"] for n in range(3, 9)), figures["citizens"]),
        "compliance_rate": pct(figures["training_completed"], figures["training_required"]),
        "participation_rate": pct(figures["contest_participants"], people),
    }
