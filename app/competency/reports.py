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
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, delete, event, func, insert, inspect, literal, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.competency import levels as competency
from app.competency.models import (
    STAT_FIGURES,
    CompetenceLevel,
    Evidence,
    LocalityAreaStat,
    LocalityAreaStatArchive,
    LocalityDailyStat,
    LocalityStat,
    LocalityStatArchive,
    LocalityWeekStat,
    LocalityWeekStatArchive,
    PersonLevel,
    ReportDay,
    ReportMark,
    ReportRefresh,
)
from app.core.dialect import week_start
from app.core.extensions import db
from app.core.types import TZ, utcnow
from app.learn.models import AssistedSession, LessonProgress
from app.localities.models import Locality, LocalityHistory
from app.training.models import TrainingAssignment, TrainingEnrollment

CHUNK = 500


# --- refreshing --------------------------------------------------------------------------------


def _in(column, ids: list[int] | None):
    return literal(True) if ids is None else column.in_(ids)


def local_day(at: datetime) -> date:
    """The calendar day (Asia/Ho_Chi_Minh) of an instant."""
    return at.astimezone(TZ).date()


def day_end(day: date) -> datetime:
    """The last instant counted in a day's figures: midnight (Asia/Ho_Chi_Minh) after it, in UTC,
    minus one microsecond."""
    return datetime.combine(day + timedelta(days=1), time(0), TZ).astimezone(UTC) - timedelta(microseconds=1)


def _figures(ids: list[int] | None, until: datetime) -> dict[int, dict]:
    """Per-locality figures, as of the instant ``until``, for the people whose home unit is in
    ``ids`` (None: every unit).

    Every count includes only what happened up to ``until`` (people registered, lessons started
    and completed, sessions, contest evidence, assignments created and enrollments completed);
    an enrollment is overdue when it was not completed by ``until`` and its due date is before
    the day of ``until``. Home units and levels are the current ones.
    """
    today = local_day(until)
    rows: dict[int, dict] = defaultdict(lambda: dict.fromkeys(STAT_FIGURES, 0))
    people = (
        select(
            User.locality_id,
            func.sum(case((User.kind == "citizen", 1), else_=0)),
            func.sum(case((User.kind == "official", 1), else_=0)),
        )
        .where(User.locality_id.is_not(None), _in(User.locality_id, ids), User.created_at <= until)
        .group_by(User.locality_id)
    )
    for loc, citizens, officials in db.session.execute(people):
        rows[loc]["citizens"], rows[loc]["officials"] = int(citizens or 0), int(officials or 0)
    learning = (
        select(
            User.locality_id,
            func.count(func.distinct(LessonProgress.user_id)),
            func.sum(case((LessonProgress.completed_at <= until, 1), else_=0)),
        )
        .join(User, User.id == LessonProgress.user_id)
        .where(_in(User.locality_id, ids), LessonProgress.started_at <= until, User.created_at <= until)
        .group_by(User.locality_id)
    )
    for loc, learners, completed in db.session.execute(learning):
        if loc is not None:
            rows[loc]["learners"], rows[loc]["lessons_completed"] = learners, int(completed or 0)
    sessions = (
        select(AssistedSession.locality_id, func.count())
        .where(
            AssistedSession.locality_id.is_not(None),
            _in(AssistedSession.locality_id, ids),
            AssistedSession.started_at <= until,
        )
        .group_by(AssistedSession.locality_id)
    )
    for loc, count in db.session.execute(sessions):
        rows[loc]["assisted_sessions"] = count
    # Contest participants: people with at least one contest answer recorded as evidence.
    contest = (
        select(User.locality_id, func.count(func.distinct(Evidence.user_id)))
        .join(User, User.id == Evidence.user_id)
        .where(
            Evidence.source == "contest",
            _in(User.locality_id, ids),
            Evidence.occurred_at <= until,
            User.created_at <= until,
        )
        .group_by(User.locality_id)
    )
    for loc, count in db.session.execute(contest):
        if loc is not None:
            rows[loc]["contest_participants"] = count
    done = TrainingEnrollment.completed_at <= until
    overdue = and_(or_(TrainingEnrollment.completed_at.is_(None), TrainingEnrollment.completed_at > until),
                   TrainingAssignment.due_on < today)
    training = (
        select(
            User.locality_id,
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .select_from(TrainingEnrollment)
        .join(User, User.id == TrainingEnrollment.user_id)
        .join(TrainingAssignment, TrainingAssignment.id == TrainingEnrollment.assignment_id)
        .where(_in(User.locality_id, ids), TrainingAssignment.created_at <= until, User.created_at <= until)
        .group_by(User.locality_id)
    )
    for loc, required, completed, late in db.session.execute(training):
        if loc is not None:
            rows[loc].update(
                training_required=required, training_completed=int(completed or 0), training_overdue=int(late or 0)
            )
    levels = (
        select(User.locality_id, func.coalesce(PersonLevel.level, literal_column("0")), func.count())
        .outerjoin(PersonLevel, PersonLevel.user_id == User.id)
        .where(
            User.kind == "citizen",
            User.locality_id.is_not(None),
            _in(User.locality_id, ids),
            User.created_at <= until,
        )
        .group_by(User.locality_id, func.coalesce(PersonLevel.level, literal_column("0")))
    )
    for loc, level, count in db.session.execute(levels):
        rows[loc][f"level_{level}"] = count
    return rows


def _area_rows(ids: list[int] | None) -> list[dict]:
    levels = select(
        CompetenceLevel.user_id,
        CompetenceLevel.area_code,
        (func.sum(CompetenceLevel.level) / func.count()).label("lvl"),
    ).group_by(CompetenceLevel.user_id, CompetenceLevel.area_code)
    if ids is not None:  # only these units' people: the subquery is computed before the join
        levels = levels.where(CompetenceLevel.user_id.in_(select(User.id).where(User.locality_id.in_(ids))))
    per_person = levels.subquery()
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


def refresh_localities(ids: list[int] | None, until: datetime | None = None) -> int:
    """Recompute the stored figures of these units (None: all) as of ``until`` (default now);
    caller commits. Returns units written.

    Only the units' own rows change: a parent's figures are the sum of its subtree's rows, read
    at query time, so the units and all their ancestors are up to date afterwards."""
    until = until or utcnow()
    figures = _figures(ids, until)
    for table in (LocalityStat, LocalityAreaStat, LocalityWeekStat):
        db.session.execute(delete(table).where(_in(table.locality_id, ids)))
    if figures:
        db.session.execute(
            insert(LocalityStat),
            [{"locality_id": loc, "refreshed_at": until, **values} for loc, values in figures.items()],
        )
    areas = _area_rows(ids)
    if areas:
        db.session.execute(insert(LocalityAreaStat), areas)
    weeks = _week_rows(ids)
    if weeks:
        db.session.execute(insert(LocalityWeekStat), weeks)
    return len(figures)


# Incremental refreshes look back this much before the previous run's as-of time, so that an event
# committed by a transaction that was still open when that run read the tables is not missed.
OVERLAP = timedelta(minutes=2)


def _home_units(people) -> set[int]:
    return set(
        db.session.scalars(
            select(User.locality_id).where(User.id.in_(people), User.locality_id.is_not(None)).distinct()
        )
    )


def changed_localities(since: datetime, until: datetime | None = None) -> list[int]:
    """The units whose figures may have changed between ``since`` and ``until``: home units of
    people with new evidence, lesson progress, completed or newly assigned training, voided
    contest entries or a new account; units of new assisted sessions; units of people whose
    assignment's due date passed in between; and units marked when a person moved
    (``ReportMark``)."""
    from app.contests.models import ContestEntry

    until = until or utcnow()
    people = (
        select(Evidence.user_id)
        .where(Evidence.occurred_at > since)
        .union(
            select(LessonProgress.user_id).where(LessonProgress.updated_at > since),
            select(TrainingEnrollment.user_id)
            .join(TrainingAssignment)
            .where(or_(TrainingAssignment.created_at > since, TrainingEnrollment.completed_at > since)),
            select(User.id).where(User.created_at > since),
            select(ContestEntry.user_id).where(ContestEntry.voided_at > since),
        )
        .subquery()
    )
    ids = _home_units(select(people))
    first, last = local_day(since), local_day(until)
    if last > first:  # due dates that passed: overdue on day d means due_on < d
        ids |= _home_units(
            select(TrainingEnrollment.user_id)
            .join(TrainingAssignment)
            .where(TrainingAssignment.due_on >= first, TrainingAssignment.due_on < last)
        )
    ids |= set(
        db.session.scalars(
            select(AssistedSession.locality_id).where(
                AssistedSession.started_at > since, AssistedSession.locality_id.is_not(None)
            )
        )
    )
    ids |= set(db.session.scalars(select(ReportMark.locality_id)))
    return sorted(i for i in ids if i is not None)


def last_refresh() -> ReportRefresh | None:
    """The latest finished refresh (its ``as_of`` is the time the live figures are as of)."""
    return db.session.scalar(
        select(ReportRefresh)
        .where(ReportRefresh.finished_at.is_not(None))
        .order_by(ReportRefresh.started_at.desc(), ReportRefresh.id.desc())
        .limit(1)
    )


def figures_as_of() -> datetime | None:
    """The instant the live figures count events up to (None: never computed)."""
    last = last_refresh()
    return None if last is None else (last.as_of or last.started_at)


def refresh_reports(
    full: bool = False,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
    until: datetime | None = None,
) -> ReportRefresh:
    """Refresh cached levels and locality figures as of ``until`` (default now); incremental
    (only the units ``changed_localities`` names) unless ``full`` or never refreshed.

    ``full`` recomputes every unit from the raw tables: the same figures as any sequence of
    incremental runs, so running it twice changes nothing (repair). Caller commits.
    """
    db.session.flush()  # rows still pending in this session get their timestamps before ``until``
    until = until or utcnow()
    previous = figures_as_of()
    since = None if full or previous is None else previous - OVERLAP
    full = since is None
    run = ReportRefresh(full=full, started_at=utcnow(), as_of=until)
    db.session.add(run)
    people = competency.people_with_new_evidence(since)
    locality_ids: list[int] = [] if since is None else changed_localities(since, until)
    steps = (len(people) + CHUNK - 1) // CHUNK + (1 if full else (len(locality_ids) + CHUNK - 1) // CHUNK)
    if total:
        total(steps)
    for start in range(0, len(people), CHUNK):
        competency.refresh_levels(people[start : start + CHUNK])
        if progress:
            progress(1)
    marks = db.session.scalar(select(func.max(ReportMark.id)))
    if full:
        run.localities = refresh_localities(None, until)
        if progress:
            progress(1)
    else:
        for start in range(0, len(locality_ids), CHUNK):
            run.localities += refresh_localities(locality_ids[start : start + CHUNK], until)
            if progress:
                progress(1)
    if marks is not None:
        db.session.execute(delete(ReportMark).where(ReportMark.id <= marks))
    run.finished_at = utcnow()
    db.session.flush()
    return run


def snapshot_day(day: date, as_of: datetime | None = None) -> int:
    """Keep the live figures as the figures of ``day`` (replacing any kept before); they count
    events up to ``as_of`` (default: the live figures' own as-of time). Caller commits."""
    as_of = as_of or figures_as_of() or utcnow()
    db.session.execute(delete(LocalityDailyStat).where(LocalityDailyStat.day == day))
    db.session.execute(delete(ReportDay).where(ReportDay.day == day))
    columns = ["locality_id", *STAT_FIGURES]
    db.session.execute(
        insert(LocalityDailyStat).from_select(
            ["day", *columns], select(literal(day), *[getattr(LocalityStat, c) for c in columns])
        )
    )
    db.session.add(ReportDay(day=day, as_of=as_of, taken_at=utcnow()))
    db.session.flush()
    return db.session.scalar(select(func.count()).where(LocalityDailyStat.day == day)) or 0


@dataclass
class Tick:
    """What one ``tick`` did: the days kept and the incremental refresh."""

    days: list[date]
    run: ReportRefresh


def tick(now: datetime | None = None) -> Tick:
    """Bring the figures up to ``now`` (run every minute from cron: ``flask reports tick``).

    For every day that ended since the figures' as-of time, first refresh up to that day's end and
    keep the result as that day's figures (``snapshot_day``); then refresh incrementally up to
    ``now``. Due dates that passed are among the changes each refresh looks for, so overdue
    counts follow the calendar without a full recomputation. Caller commits.
    """
    now = now or utcnow()
    days: list[date] = []
    previous = figures_as_of()
    if previous is not None:
        day = local_day(previous)
        while day < local_day(now):
            end = day_end(day)
            if previous < end:
                refresh_reports(until=end)
            snapshot_day(day, end)
            days.append(day)
            previous = end
            day += timedelta(days=1)
    run = refresh_reports(until=now)
    # One run a minute: keep a week of them (the latest is what the figures are as of).
    db.session.execute(delete(ReportRefresh).where(ReportRefresh.started_at < now - timedelta(days=7),
                                                   ReportRefresh.id != run.id))
    return Tick(days, run)


def archive_reports(valid_until: date) -> None:
    """Freeze the current tree and figures as the view of every date before ``valid_until``; the
    live figures are also kept as the figures of the day before (unless that day has its own)."""
    day_before = valid_until - timedelta(days=1)
    if db.session.get(ReportDay, day_before) is None:
        snapshot_day(day_before)
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
    """Which tree and figures a dashboard reads.

    - live (``day`` None): the figures kept up to date by ``tick``, on the current tree;
    - a past ``day``: the figures kept for that day (``locality_daily_stats``) on the tree of that
      day: ``locality_history`` of the first reorganization after it (``valid_until``), else the
      current tree. ``missing``: no figures were kept for that day (every sum is then 0).

    Area means and weekly activity have no daily copies: before a reorganization they come from
    its archive, otherwise from the live tables.
    """

    valid_until: date | None = None
    day: date | None = None
    as_of: datetime | None = None
    missing: bool = False

    @property
    def tree(self):
        return LocalityHistory if self.valid_until else Locality

    def tables(self):
        stat = LocalityDailyStat if self.day else (LocalityStatArchive if self.valid_until else LocalityStat)
        if self.valid_until:
            return stat, LocalityAreaStatArchive, LocalityWeekStatArchive
        return stat, LocalityAreaStat, LocalityWeekStat

    def where(self, *tables):
        """The conditions that pick this view's rows from each table (tree, figures, archives)."""
        found = []
        for t in tables:
            if hasattr(t, "day"):
                found.append(t.day == self.day)
            elif hasattr(t, "valid_until") and self.valid_until:
                found.append(t.valid_until == self.valid_until)
        return found


def view_for(on: date | None, today: date | None = None) -> View:
    """The view for a report date: live for none or today; else that day's kept figures on that
    day's tree (``missing`` when none were kept, or the date is in the future)."""
    today = today or local_day(utcnow())
    if on is None or on == today:
        return View(as_of=figures_as_of())
    valid_until = db.session.scalar(
        select(func.min(LocalityHistory.valid_until)).where(LocalityHistory.valid_until > on)
    )
    kept = db.session.get(ReportDay, on) if on < today else None
    if kept is None:
        return View(valid_until, day=on, missing=True)
    return View(valid_until, day=on, as_of=kept.as_of)


def kept_days() -> list[date]:
    """The days whose figures were kept, oldest first."""
    return list(db.session.scalars(select(ReportDay.day).order_by(ReportDay.day)))


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
    on = on or local_day(utcnow())
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
    on = on or local_day(utcnow())
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
    if today is None:
        today = view.day or (view.valid_until - timedelta(days=1) if view.valid_until else local_day(utcnow()))
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


# --- people who move ------------------------------------------------------------------------------
# A move leaves no timestamp on the person, so the units on both sides are marked when the change
# is flushed (``ReportMark``) and the next refresh recomputes them. Bulk moves (a reorganization)
# are followed by a full refresh instead.


def _note_moves(session, _context, _instances) -> None:
    units: set[int] = session.info.setdefault("report_moved_units", set())
    people: list = session.info.setdefault("report_moved_people", [])
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        committed: dict = inspect(obj).committed_state
        if "locality_id" not in committed and "locality" not in committed:
            continue
        old = committed.get("locality_id")
        if isinstance(old, int):
            units.add(old)
        old_unit = committed.get("locality")
        if isinstance(old_unit, Locality):
            units.add(old_unit.id)
        if obj.locality_id is not None:
            units.add(obj.locality_id)  # the old one when only the relationship was set
        people.append(obj)


def _mark_moves(session, _context) -> None:
    units: set[int] = session.info.pop("report_moved_units", set())
    for person in session.info.pop("report_moved_people", []):
        if person.locality_id is not None:
            units.add(person.locality_id)
    if units:
        now = utcnow()
        session.connection().execute(
            insert(ReportMark), [{"locality_id": unit, "marked_at": now} for unit in sorted(units)]
        )


def watch_moves() -> None:
    """Mark the old and new home unit of every person moved through the ORM (once per process)."""
    if not event.contains(Session, "before_flush", _note_moves):
        event.listen(Session, "before_flush", _note_moves)
        event.listen(Session, "after_flush", _mark_moves)
