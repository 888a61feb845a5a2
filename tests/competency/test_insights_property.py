"""Proof by brute force: random events in random order, the clock moving across days and a
reorganization; after every step every figure of random units, live and for past dates, equals a
count row by row over the raw tables (tests/competency/brute.py).

Compared after each step (cron's `flask reports tick` having run at that minute):
- the dashboard service (``reports.unit_totals``) for random current units;
- the dashboard's export (children of the province, CSV through the page's URL);
- the public locality board of the contest round (``boards.locality_board``);
- the indicators API (``GET /api/v1/indicators``) when the app has it (it is built on another
  branch, i17a: until both are merged this part does not run; see the note in ``_check_api``);
- every kept day (random units of that day's tree) against the count made at that day's end, and a
  day without figures says so.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.models import User
from app.competency import reports
from app.competency.evidence import record_evidence
from app.core.extensions import db
from app.core.types import TZ
from app.learn.models import AssistedSession, Course, Lesson, LessonProgress
from app.localities import reorganize
from app.localities.models import Locality, LocalityHistory
from app.localities.service import get_by_code
from app.training.models import TrainingEnrollment
from tests.competency.brute import brute_all, brute_board
from tests.conftest import PASSWORD, _clean

START = datetime(2025, 6, 28, 9, 0, tzinfo=TZ).astimezone(UTC)
VILLAGES = [f"{c}0{v}" for c in ("90101", "90102", "90201", "90202") for v in (1, 2)]
NEW_LIST = """code,name,type,parent_code
90,Tỉnh Mới,Tỉnh,
90101,Tân Thành Mới,Xã,90
99001,Hợp Nhất,Xã,90
"""
MAPPING = """old_code,new_code,share
90101,90101,
90102,90101,
90201,99001,
90202,99001,
"""

person = st.integers(0, 30)
EVENTS = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(VILLAGES), st.sampled_from(["citizen", "citizen", "official"])),
    st.tuples(st.just("lesson"), person, st.integers(0, 1)),
    st.tuples(st.just("practice"), person, st.sampled_from(["1.1", "2.3", "4.2"]), st.booleans()),
    st.tuples(st.just("attempt"), person, st.integers(0, 5)),
    st.tuples(st.just("void"), person),
    st.tuples(st.just("assign"), st.integers(-1, 2)),
    st.tuples(st.just("train"), person),
    st.tuples(st.just("move"), person, st.sampled_from(VILLAGES)),
    st.tuples(st.just("session"), person),
    st.tuples(st.just("reorganize")),
)
STEPS = st.lists(st.tuples(EVENTS, st.sampled_from([0, 7, 45, 300, 900, 1500, 2000])), min_size=4, max_size=9)


def _world(app, tmp_path):
    """Province 90 → districts 901, 902 → two communes each → "Ấp 1" and "Ấp 2" in every commune
    (repeated names); a contest with an open round; a course; an organizer who also manages."""
    from app.accounts.service import grant_role
    from app.contests.models import Contest, ContestRound
    from tests.contests.conftest import make_bank

    def unit(code, name, kind, parent=None):
        loc = Locality(code=code, name=name, type=kind, parent=get_by_code(parent) if parent else None)
        loc.path = (loc.parent.path if loc.parent else "/") + code + "/"
        loc.depth = loc.path.count("/") - 2
        db.session.add(loc)
        db.session.flush()

    unit("90", "Tỉnh Thử", "Tỉnh")
    for d in ("901", "902"):
        unit(d, f"Huyện {d}", "Huyện", "90")
        for c in (f"{d}01", f"{d}02"):
            unit(c, f"Xã {c}", "Xã", d)
            for v in (1, 2):
                unit(f"{c}0{v}", f"{v}", "Ấp", c)
    boss = User(phone="0999999999", full_name="Lãnh Đạo", search_name="lanh dao", kind="official",
                locality=get_by_code("90"))
    boss.set_password(PASSWORD)
    db.session.add(boss)
    db.session.flush()
    grant_role(boss, "manager", get_by_code("90"))
    grant_role(boss, "organizer", get_by_code("90"))
    course = Course(slug="c", title="C", lessons=[Lesson(slug="l0", title="L0"), Lesson(slug="l1", title="L1")])
    db.session.add(course)
    make_bank()
    contest = Contest(slug="cuoc-thi", title="Cuộc thi", rules="Luật", groups=["citizen", "official"],
                      eligibility_id=get_by_code("90").id)
    db.session.add(contest)
    db.session.flush()
    round_ = ContestRound(contest_id=contest.id, number=1, title="Tuần 1", opens_at=START - timedelta(hours=1),
                          closes_at=START + timedelta(days=30), question_count=5,
                          draw={"banks": ["thu"], "mix": {"1": 2, "2": 2, "3": 1}}, time_limit_seconds=600,
                          attempts_allowed=2, grace_seconds=10)
    db.session.add(round_)
    db.session.commit()
    (tmp_path / "new.csv").write_text(NEW_LIST, encoding="utf-8")
    (tmp_path / "map.csv").write_text(MAPPING, encoding="utf-8")
    return boss.id, course.id, round_.id


class Run:
    """One example: the world, the clock, and what each kept day must show."""

    def __init__(self, app, client, tmp_path, traveller):
        self.app, self.client, self.tmp_path, self.clock = app, client, tmp_path, traveller
        self.boss, self.course, self.round = _world(app, tmp_path)
        self.people: list[int] = []
        self.now = START
        self.expected: dict[date, dict[str, tuple[str, dict[str, int]]]] = {}
        self.reorganized = False
        self.token = None

    def day(self) -> date:
        return self.now.astimezone(TZ).date()

    def tick(self) -> None:
        reports.tick()
        db.session.commit()

    def advance(self, minutes: int) -> None:
        """Move the clock; at every midnight on the way, cron's first tick of the new day runs (and
        the brute-force count of each ended day is written down, on the tree of that day)."""
        target = self.now + timedelta(minutes=minutes)
        while self.now.astimezone(TZ).date() < target.astimezone(TZ).date():
            ended = self.day()
            units = {u.code: u.path for u in db.session.scalars(db.select(Locality))}
            counted = brute_all(reports.day_end(ended))
            self.expected[ended] = {code: (units[code], counted[code]) for code in units}
            self.now = datetime.combine(ended + timedelta(days=1), datetime.min.time(), TZ).astimezone(UTC) \
                + timedelta(seconds=30)
            self.clock.move_to(self.now)
            self.tick()
        self.now = max(self.now, target)
        self.clock.move_to(self.now)

    def who(self, n: int) -> User | None:
        return db.session.get(User, self.people[n % len(self.people)]) if self.people else None

    def apply(self, event: tuple) -> None:
        from app.contests import attempts, service
        from app.contests.models import ContestEntry, ContestRound
        from app.training.service import create_assignment

        kind, *args = event
        if kind == "join":
            user = User(phone=f"09{len(self.people) + 1000000:08d}", full_name="Người Dân", search_name="nguoi dan",
                        kind=args[1], locality=get_by_code(args[0]))
            db.session.add(user)
            db.session.flush()
            self.people.append(user.id)
            return
        if kind == "reorganize":
            if self.reorganized:
                return
            self.advance(24 * 60)  # at the start of a day, as a reorganization takes effect
            plan = reorganize.load_plan(self.tmp_path / "new.csv", self.tmp_path / "map.csv")
            assert reorganize.validate_plan(plan, self.day()).ok
            reorganize.apply_plan(plan, self.day())
            self.reorganized = True
            return
        if kind == "assign":
            create_assignment(db.session.get(User, self.boss), title="Kỹ năng số",
                              course=db.session.get(Course, self.course), locality=get_by_code("90"),
                              due_on=self.day() + timedelta(days=args[0]), target_role="official")
            return
        user = self.who(args[0])
        if user is None:
            return
        if kind == "lesson":
            lesson = db.session.get(Course, self.course).lessons[args[1]]
            progress = db.session.scalar(db.select(LessonProgress).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id))
            if progress is None:
                db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
            elif progress.completed_at is None:
                progress.completed_at = progress.updated_at = self.now
        elif kind == "practice":
            record_evidence(user.id, [args[1]], "practice", f"p{args[1]}", args[2], 2)
        elif kind == "session":
            db.session.add(AssistedSession(helper_id=self.boss, citizen_id=user.id, locality_id=user.locality_id,
                                           started_at=self.now))
        elif kind == "train":
            enrollment = db.session.scalar(db.select(TrainingEnrollment).where(
                TrainingEnrollment.user_id == user.id, TrainingEnrollment.completed_at.is_(None)).limit(1))
            if enrollment is not None:
                enrollment.completed_at = self.now
        elif kind == "move":
            user.locality = get_by_code(args[1])
        elif kind == "attempt":
            round_ = db.session.get(ContestRound, self.round)
            entry = db.session.scalar(db.select(ContestEntry).where(ContestEntry.user_id == user.id))
            if entry is None:
                service.register_entry(round_.contest, user, user.kind, user.full_name, 1990, user.locality,
                                       "UBND" if user.kind == "official" else None)
            try:
                attempt = attempts.start_attempt(round_, user.id, self.now)
                answers = {str(q["id"]): [0] for q in attempt.questions[: args[1]]}
                attempts.submit_attempt(attempt, answers, now=self.now)
            except attempts.AttemptError:
                db.session.rollback()
        elif kind == "void":
            entry = db.session.scalar(db.select(ContestEntry).where(
                ContestEntry.user_id == user.id, ContestEntry.voided_at.is_(None)))
            if entry is not None:
                service.void_entry(entry, db.session.get(User, self.boss), "Gian lận")

    # --- the comparisons -----------------------------------------------------------------------

    def check_live(self, data) -> None:
        counted = brute_all(self.now)
        units = sorted(db.session.scalars(db.select(Locality.code).where(Locality.dissolved_on.is_(None))))
        for code in data.draw(st.lists(st.sampled_from(units), min_size=1, max_size=4, unique=True)):
            assert reports.unit_totals(get_by_code(code).path) == counted[code], (self.now, code)
        self.check_export(counted)
        from app.contests.boards import locality_board
        from app.contests.models import ContestRound

        board = {r["locality"].code: r["participants"]
                 for r in locality_board(db.session.get(ContestRound, self.round), get_by_code("90"))}
        assert board == brute_board(self.round, "/90/"), self.now
        self._check_api(counted)

    def check_export(self, counted: dict[str, dict[str, int]]) -> None:
        """The province's children export: each child's row holds its counts (whatever the columns'
        order and labels: the row's whole numbers include them)."""
        answer = self.client.get("/insights/unit/90/export/children.csv")
        assert answer.status_code == 200
        rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
        children = {c.code for c in db.session.scalars(db.select(Locality).where(
            Locality.parent_id == get_by_code("90").id, Locality.dissolved_on.is_(None)))}
        found = {r[0]: r for r in rows if r and r[0] in children}
        assert set(found) == children
        for code, row in found.items():
            numbers = [int(cell) for cell in row if cell.isdigit()]
            for figure in ("citizens", "learners", "lessons_completed", "assisted_sessions"):
                value = counted[code][figure]
                assert value in numbers, (code, figure, value, row)
                numbers.remove(value)

    def _check_api(self, counted: dict[str, dict[str, int]]) -> None:
        """GET /api/v1/indicators (branch i17a): every indicator computed from the locality figures
        has the numerator and denominator the registry makes of the brute-force counts. Skipped while
        the endpoint does not exist in this app (this branch alone)."""
        if not any(rule.rule == "/api/v1/indicators" for rule in self.app.url_map.iter_rules()):
            return
        from app.accounts.tokens import issue_token
        from app.competency import indicators  # type: ignore[attr-defined]

        if self.token is None:
            self.token, _row = issue_token(db.session.get(User, self.boss))
            db.session.commit()
        answer = self.client.get("/api/v1/indicators?locality=90",
                                 headers={"Authorization": f"Bearer {self.token}"})
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        for unit in [body["locality"], *body["children"]]:
            for item in unit["indicators"]:
                indicator = indicators.get(item["indicator"])
                if indicator.source != indicators.LOCALITY_STATS:
                    continue
                assert item["numerator"] == indicator.numerator_of(counted[unit["code"]]), (unit["code"], item)
                assert item["denominator"] == indicator.denominator_of(counted[unit["code"]]), (unit["code"], item)

    def check_past(self, data) -> None:
        if not self.expected:
            return
        day = data.draw(st.sampled_from(sorted(self.expected)))
        view = reports.view_for(day)
        assert not view.missing
        assert view.as_of == reports.day_end(day)
        for code in data.draw(st.lists(st.sampled_from(sorted(self.expected[day])), min_size=1, max_size=3,
                                       unique=True)):
            path, figures = self.expected[day][code]
            if view.valid_until:
                shown = db.session.scalar(db.select(LocalityHistory.path).where(
                    LocalityHistory.valid_until == view.valid_until,
                    LocalityHistory.locality_id == get_by_code(code).id))
                assert shown == path  # the tree of that day
            assert reports.unit_totals(path, view) == figures, (day, code)
        before = min(self.expected) - timedelta(days=1)
        assert reports.view_for(before).missing


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=STEPS, data=st.data())
def test_every_figure_equals_a_brute_force_count(app, client, tmp_path, steps, data):
    _clean(app)
    with time_machine.travel(START, tick=False) as traveller, app.app_context():
        run = Run(app, client, tmp_path, traveller)
        client.post("/auth/logout")
        assert client.post("/auth/login", data={"login": "0999999999", "password": PASSWORD}).status_code == 302
        for village in VILLAGES[::3]:
            run.apply(("join", village, "citizen"))
        run.apply(("join", VILLAGES[5], "official"))
        db.session.commit()
        run.tick()
        for event, minutes in steps:
            run.advance(minutes)
            run.apply(event)
            db.session.commit()
            run.tick()
            run.check_live(data)
            run.check_past(data)
        db.session.remove()
