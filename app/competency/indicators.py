"""The registry of indicators: one definition per figure a leader reads.

Every dashboard tile, table column, chart, public board, export and API field takes its name
from here, and every rate is shown with its numerator and denominator ("26 / 247 người (10,5%)").
``docs/indicators.md`` is generated from this module (``flask reports indicators-doc``); a test
checks that the committed page equals the generated one.

An indicator is either a **count** (no denominator) or a **share** (numerator / denominator, in
percent). Numerators and denominators name the per-unit figures they add up: the columns of
``locality_stats`` (``app.competency.models.STAT_FIGURES``, summed over a unit's subtree) or, for
the public contest boards, the round's tally per unit (``source = "contest_round"``).

Two figures that measure different things have different keys and names everywhere: the share
of *registered people* who took part in a contest (``contest_participation_registered``) is not
the share of a unit's *population headcount* that took part in a round
(``round_participation_headcount``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.core import numbers

# How often a figure changes (the ``cadence`` of an indicator).
ON_EVENT = "on_event"  # follows the events that change it (lesson done, evidence, attempt, ...)
DAILY = "daily"  # also changes when a day passes (due dates)
ON_IMPORT = "on_import"  # changes when the locality list (population, headcount) is imported

CADENCES = {
    ON_EVENT: ("theo sự kiện (chậm tối đa 5 phút)", "with the events that change it (at most 5 minutes behind)"),
    DAILY: ("theo sự kiện và mỗi ngày (hạn chót qua)", "with its events and every day (due dates passing)"),
    ON_IMPORT: ("khi nhập danh sách đơn vị hành chính", "when the list of localities is imported"),
}

# What a count counts (the ``unit`` of an indicator): (vi, en) nouns used after the numbers.
UNITS = {
    "people": ("người", "people"),
    "lessons": ("bài học", "lessons"),
    "sessions": ("buổi", "sessions"),
    "enrollments": ("lượt giao", "enrollments"),
}

# Sources of numerator and denominator figures.
LOCALITY_STATS = "locality_stats"  # per home unit, summed over the subtree (app.competency.reports)
CONTEST_ROUND = "contest_round"  # one round's tally per unit (app.contests.boards)


@dataclass(frozen=True)
class Indicator:
    """One figure: what it counts (numerator), out of what (denominator), for whom, how often."""

    key: str
    name_vi: str
    name_en: str
    numerator: tuple[str, ...]
    numerator_vi: str
    numerator_en: str
    unit: str
    population_vi: str
    population_en: str
    cadence: str = ON_EVENT
    denominator: tuple[str, ...] = ()
    denominator_vi: str = ""
    denominator_en: str = ""
    source: str = LOCALITY_STATS
    mean: bool = False  # numerator / denominator as a mean (2 decimals), not a percentage

    @property
    def is_share(self) -> bool:
        """A share (percent of a denominator) rather than a count or a mean."""
        return bool(self.denominator) and not self.mean

    @property
    def kind(self) -> str:
        """``count``, ``share`` (percent) or ``mean``."""
        return "mean" if self.mean else "share" if self.denominator else "count"

    def name(self, lang: str | None = None) -> str:
        """The indicator's name in ``lang`` (default: the request's locale, Vietnamese outside one)."""
        return self.name_en if _lang(lang) == "en" else self.name_vi

    def unit_name(self, lang: str | None = None) -> str:
        vi, en = UNITS[self.unit]
        return en if _lang(lang) == "en" else vi

    def numerator_of(self, figures: Mapping[str, int | None]) -> int:
        return int(sum(int(figures.get(f) or 0) for f in self.numerator))

    def denominator_of(self, figures: Mapping[str, int | None]) -> int | None:
        if not self.denominator:
            return None
        parts = [figures.get(f) for f in self.denominator]
        if any(p is None for p in parts):
            return None  # e.g. a unit without a recorded headcount
        return int(sum(int(p or 0) for p in parts))

    def measure(self, figures: Mapping[str, int | None]) -> Measure:
        """This indicator's numerator, denominator and value over one unit's figures."""
        num = self.numerator_of(figures)
        den = self.denominator_of(figures)
        if self.mean:
            return Measure(self, num, den, round(num / den, 2) if den else None)
        if not self.is_share:
            return Measure(self, num, None, float(num))
        return Measure(self, num, den, percent(num, den))


@dataclass(frozen=True)
class Measure:
    """An indicator's value for one unit: ``value`` is the count, or the share in percent
    (one decimal, half up; ``None`` when the denominator is 0 or unknown)."""

    indicator: Indicator
    numerator: int
    denominator: int | None
    value: float | None

    def text(self) -> str:
        """For people, in the UI's locale: "1.080", "26 / 247 người (10,5%)", "2,35"."""
        if self.indicator.mean:
            return numbers.number(self.value, 2) if self.value is not None else numbers.NO_RATE
        if not self.indicator.is_share:
            return numbers.number(self.numerator)
        return numbers.ratio(self.numerator, self.denominator, self.value, self.indicator.unit_name())

    def sort_value(self) -> float:
        """What a column of this indicator sorts by (a rate of nothing sorts lowest)."""
        return -1.0 if self.value is None else float(self.value)

    def __str__(self) -> str:
        return self.text()

    def as_dict(self) -> dict:
        return {
            "indicator": self.indicator.key,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
        }


def percent(part: int, whole: int | None) -> float | None:
    """100 × part / whole rounded half up to one decimal; ``None`` when there is no whole."""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _lang(lang: str | None) -> str:
    if lang:
        return lang
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except (RuntimeError, KeyError, AttributeError):
        locale = None
    return locale.language if locale is not None else "vi"


REGISTERED = ("citizens", "officials")
LEVEL3_UP = tuple(f"level_{n}" for n in range(3, 9))

_ALL = (
    Indicator(
        key="registered_people",
        name_vi="Người đã đăng ký",
        name_en="Registered people",
        numerator=REGISTERED,
        numerator_vi="người dân và cán bộ có tài khoản, đơn vị cư trú thuộc đơn vị",
        numerator_en="citizens and officials with an account whose home unit is in the unit",
        unit="people",
        population_vi="mọi người đã đăng ký (người dân và cán bộ)",
        population_en="everyone registered (citizens and officials)",
    ),
    Indicator(
        key="citizens",
        name_vi="Người dân đã đăng ký",
        name_en="Registered citizens",
        numerator=("citizens",),
        numerator_vi="người dân có tài khoản, đơn vị cư trú thuộc đơn vị",
        numerator_en="citizens with an account whose home unit is in the unit",
        unit="people",
        population_vi="người dân đã đăng ký",
        population_en="registered citizens",
    ),
    Indicator(
        key="officials",
        name_vi="Cán bộ đã đăng ký",
        name_en="Registered officials",
        numerator=("officials",),
        numerator_vi="cán bộ có tài khoản, đơn vị cư trú thuộc đơn vị",
        numerator_en="officials with an account whose home unit is in the unit",
        unit="people",
        population_vi="cán bộ đã đăng ký",
        population_en="registered officials",
    ),
    Indicator(
        key="learner_share",
        name_vi="Tỷ lệ người học trong số người đã đăng ký",
        name_en="Learners among registered people",
        numerator=("learners",),
        numerator_vi="người đã đăng ký đã bắt đầu ít nhất một bài học",
        numerator_en="registered people who started at least one lesson",
        denominator=REGISTERED,
        denominator_vi="người đã đăng ký (người dân và cán bộ)",
        denominator_en="registered people (citizens and officials)",
        unit="people",
        population_vi="mọi người đã đăng ký (người dân và cán bộ)",
        population_en="everyone registered (citizens and officials)",
    ),
    Indicator(
        key="lessons_completed",
        name_vi="Bài học đã hoàn thành",
        name_en="Lessons completed",
        numerator=("lessons_completed",),
        numerator_vi="lượt hoàn thành bài học (mỗi người, mỗi bài một lần)",
        numerator_en="lessons completed (once per person and lesson)",
        unit="lessons",
        population_vi="mọi người đã đăng ký",
        population_en="everyone registered",
    ),
    Indicator(
        key="level3_share",
        name_vi="Tỷ lệ người dân đạt mức 3 trở lên",
        name_en="Citizens at level 3 or above",
        numerator=LEVEL3_UP,
        numerator_vi="người dân có mức công dân số từ 3 đến 8",
        numerator_en="citizens whose digital citizen level is 3 to 8",
        denominator=("citizens",),
        denominator_vi="người dân đã đăng ký (kể cả chưa đánh giá)",
        denominator_en="registered citizens (including those not assessed yet)",
        unit="people",
        population_vi="người dân đã đăng ký (không tính cán bộ)",
        population_en="registered citizens (officials excluded)",
    ),
    *(
        Indicator(
            key=f"level_{n}_share",
            name_vi=f"Người dân ở mức {n}" if n else "Người dân chưa được đánh giá",
            name_en=f"Citizens at level {n}" if n else "Citizens not assessed yet",
            numerator=(f"level_{n}",),
            numerator_vi=f"người dân có mức công dân số {n}" if n else "người dân chưa có mức nào",
            numerator_en=f"citizens whose digital citizen level is {n}" if n else "citizens with no level yet",
            denominator=("citizens",),
            denominator_vi="người dân đã đăng ký",
            denominator_en="registered citizens",
            unit="people",
            population_vi="người dân đã đăng ký (không tính cán bộ)",
            population_en="registered citizens (officials excluded)",
        )
        for n in range(9)
    ),
    Indicator(
        key="training_compliance",
        name_vi="Tỷ lệ hoàn thành bồi dưỡng bắt buộc",
        name_en="Required training completed",
        numerator=("training_completed",),
        numerator_vi="lượt giao bồi dưỡng đã hoàn thành (kể cả hoàn thành muộn)",
        numerator_en="training enrollments completed (late completions included)",
        denominator=("training_required",),
        denominator_vi="lượt giao bồi dưỡng (người × đợt giao)",
        denominator_en="training enrollments (person × assignment)",
        unit="enrollments",
        population_vi="người được giao bồi dưỡng bắt buộc (thường là cán bộ)",
        population_en="people given required training (usually officials)",
    ),
    Indicator(
        key="training_overdue",
        name_vi="Lượt bồi dưỡng quá hạn",
        name_en="Training overdue",
        numerator=("training_overdue",),
        numerator_vi="lượt giao chưa hoàn thành mà đã qua hạn chót (ngày hạn chót vẫn đúng hạn)",
        numerator_en="enrollments not completed after their due date (the due date itself is on time)",
        unit="enrollments",
        population_vi="người được giao bồi dưỡng bắt buộc",
        population_en="people given required training",
        cadence=DAILY,
    ),
    Indicator(
        key="contest_participation_registered",
        name_vi="Tỷ lệ người đã đăng ký có tham gia thi",
        name_en="Registered people who took part in a contest",
        numerator=("contest_participants",),
        numerator_vi="người đã đăng ký có ít nhất một bài thi được ghi nhận (mọi cuộc thi)",
        numerator_en="registered people with at least one contest answer recorded (any contest)",
        denominator=REGISTERED,
        denominator_vi="người đã đăng ký (người dân và cán bộ)",
        denominator_en="registered people (citizens and officials)",
        unit="people",
        population_vi="mọi người đã đăng ký (người dân và cán bộ)",
        population_en="everyone registered (citizens and officials)",
    ),
    Indicator(
        key="assisted_sessions",
        name_vi="Buổi hỗ trợ của tình nguyện viên",
        name_en="Assisted sessions by helpers",
        numerator=("assisted_sessions",),
        numerator_vi="buổi học có người hỗ trợ (tổ công nghệ số cộng đồng) ghi nhận tại đơn vị",
        numerator_en="learning sessions recorded by a helper (community digital team) in the unit",
        unit="sessions",
        population_vi="người học được hỗ trợ tại đơn vị",
        population_en="learners helped in the unit",
    ),
    Indicator(
        key="active_learners_week",
        name_vi="Người học hoạt động trong tuần",
        name_en="Active learners in the week",
        numerator=("active_learners",),
        numerator_vi="người đã đăng ký hoàn thành ít nhất một bài học trong tuần (thứ Hai–Chủ nhật)",
        numerator_en="registered people who completed at least one lesson in the week (Monday–Sunday)",
        unit="people",
        population_vi="mọi người đã đăng ký",
        population_en="everyone registered",
    ),
    Indicator(
        key="area_mean_level",
        name_vi="Mức năng lực trung bình theo lĩnh vực",
        name_en="Mean competence level by area",
        numerator=("level_sum",),
        numerator_vi="tổng mức của lĩnh vực (mỗi người: trung bình các năng lực của lĩnh vực, 0–8)",
        numerator_en="sum of area levels (per person: mean of the area's competences, 0–8)",
        denominator=("people",),
        denominator_vi="người có mức trong lĩnh vực",
        denominator_en="people with a level in the area",
        unit="people",
        population_vi="người đã có bằng chứng năng lực trong lĩnh vực",
        population_en="people with competence evidence in the area",
        mean=True,
    ),
    Indicator(
        key="round_participants",
        name_vi="Người tham gia vòng thi",
        name_en="Round participants",
        numerator=("participants",),
        numerator_vi="người có bài thi hợp lệ (không bị hủy) trong vòng thi, theo đơn vị cư trú",
        numerator_en="people with a non-voided attempt in the round, by home unit",
        unit="people",
        population_vi="người dự thi của vòng",
        population_en="the round's participants",
        source=CONTEST_ROUND,
    ),
    Indicator(
        key="round_participation_headcount",
        name_vi="Tỷ lệ tham gia vòng thi so với quy mô đơn vị",
        name_en="Round participation against the unit's headcount",
        numerator=("participants",),
        numerator_vi="người có bài thi hợp lệ trong vòng thi, theo đơn vị cư trú hoặc đơn vị công tác",
        numerator_en="people with a non-voided attempt in the round, by home or workplace unit",
        denominator=("headcount",),
        denominator_vi="quy mô đơn vị (số thành viên ghi trong danh sách đơn vị, không phải số người đăng ký)",
        denominator_en="the unit's headcount (members on the locality list, not registered people)",
        unit="people",
        population_vi="thành viên của đơn vị theo danh sách (headcount)",
        population_en="the unit's members per the locality list (headcount)",
        cadence=ON_EVENT,
        source=CONTEST_ROUND,
    ),
)

INDICATORS: dict[str, Indicator] = {i.key: i for i in _ALL}

# The indicators of a unit's dashboard summary and of the indicators API, in reading order.
DASHBOARD = (
    "registered_people",
    "citizens",
    "officials",
    "learner_share",
    "lessons_completed",
    "level3_share",
    "training_compliance",
    "training_overdue",
    "contest_participation_registered",
    "assisted_sessions",
)


def get(key: str) -> Indicator:
    """The indicator named ``key`` (KeyError if there is none)."""
    return INDICATORS[key]


def measure_all(figures: Mapping[str, int], keys: tuple[str, ...] = DASHBOARD) -> dict[str, Measure]:
    """Every indicator of ``keys`` measured over one unit's summed figures."""
    return {k: INDICATORS[k].measure(figures) for k in keys}


def _terms(fields: tuple[str, ...]) -> str:
    return " + ".join(f"`{f}`" for f in fields)


def markdown() -> str:
    """``docs/indicators.md``: every indicator's definition, generated from this registry."""
    lines = [
        "# Indicators (chỉ số)",
        "",
        "<!-- Generated from app/competency/indicators.py by `flask reports indicators-doc`; "
        "do not edit by hand. -->",
        "",
        "Every figure of the dashboards, public boards, exports and the indicators API "
        "(`GET /api/v1/indicators`) is one of these. A share is shown with its numerator and "
        "denominator, e.g. \"26 / 247 người (10,5%)\"; it is rounded half up to one decimal and "
        "is empty when the denominator is 0. Numbers are formatted for the reader's language "
        "(vi: `1.080`, `10,5%`).",
        "",
        "Sources: `locality_stats` are the figures of the people whose home unit is in the unit's "
        "subtree (app/competency/reports.py); `contest_round` is one contest round's tally per "
        "unit (app/contests/boards.py).",
        "",
        "| Key | Tên (vi) | Name (en) | Kind | Numerator | Denominator | Unit | Cadence |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for ind in _ALL:
        kind = {"share": "share (%)", "mean": "mean (0–8)", "count": "count"}[ind.kind]
        den = _terms(ind.denominator) if ind.denominator else "—"
        lines.append(
            f"| `{ind.key}` | {ind.name_vi} | {ind.name_en} | {kind} | {_terms(ind.numerator)} | {den} "
            f"| {UNITS[ind.unit][1]} | {ind.cadence} |"
        )
    for ind in _ALL:
        lines += [
            "",
            f"## `{ind.key}` — {ind.name_vi} / {ind.name_en}",
            "",
            f"- **Source**: `{ind.source}`",
            f"- **Numerator** ({_terms(ind.numerator)}): {ind.numerator_vi} / {ind.numerator_en}",
        ]
        if ind.denominator:
            lines.append(
                f"- **Denominator** ({_terms(ind.denominator)}): {ind.denominator_vi} / {ind.denominator_en}"
            )
        else:
            lines.append("- **Denominator**: none (a count)")
        lines += [
            f"- **Population**: {ind.population_vi} / {ind.population_en}",
            f"- **Unit**: {UNITS[ind.unit][0]} / {UNITS[ind.unit][1]}",
            f"- **Changes**: {CADENCES[ind.cadence][0]} / {CADENCES[ind.cadence][1]}",
        ]
    return "\n".join(lines) + "\n"
