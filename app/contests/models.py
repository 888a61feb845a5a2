"""Models of the contest area: question banks, contests, rounds, attempts and best results.

Read by other areas too:

- ``Question`` / ``QuestionBank``: a question has 2–6 ``options`` (list of texts), the indexes of
  the ``correct`` ones (0-based, one or more), an ``explanation``, one ``competence_code`` of the
  framework, a ``difficulty`` 1 (easy) – 3 (hard) and free ``tags``. Banks come from
  ``quizzes/<slug>.yml`` or an organizer's XLSX/CSV import (``app.contests.banks``). Only
  organizers may ever see ``correct``.
- ``ContestBestResult``: one row per participant and round, the best submitted attempt, updated in
  the same transaction as the submit. It carries the participant's group, locality (id and
  materialized path, for subtree counts) and workplace unit, so participation per locality/unit
  is a query on this table alone. Rows with ``voided`` set do not count anywhere.
- ``ContestFinalRank``: the frozen final ranking of a finalized round, one narrow row per ranked
  participant and group (rank, user, prize), written by ``app.contests.service.finalize_round``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import Model
from app.core.types import UTCDateTime, binary_string, utcnow
from app.learn.models import MediaFile  # a question's image; imported so the mapper finds it

if TYPE_CHECKING:
    from app.accounts.models import User, WorkplaceUnit
    from app.localities.models import Locality


CONTEST_GROUPS = ("citizen", "official")
RANKING_CRITERIA = ("score", "prediction", "duration", "submitted")
DEFAULT_CRITERIA = ["score", "prediction", "duration", "submitted"]
ATTEMPT_STATUSES = ("open", "submitted", "expired", "void")


class QuestionBank(Model):
    """A named set of questions (``slug`` is the file name in quizzes/ or the imported bank name).

    A bank belongs to an owner scope: ``owner_locality`` is the subtree whose contests it serves
    (organizers granted over that unit or above see and change it; see
    ``app.contests.banks.bank_scope_clause``); NULL means province-wide content (the files of
    quizzes/), which only organizers of a top-level unit and admins manage. Whoever created a bank
    keeps access to it (``created_by``).
    """

    __tablename__ = "question_banks"
    __table_args__ = (CheckConstraint("length(slug) > 0", name="slug_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="file")  # file | import | editor
    owner_locality_id: Mapped[int | None] = mapped_column(ForeignKey("localities.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner_locality: Mapped[Locality | None] = relationship(lazy="joined")


class Question(Model):
    """One multiple-choice question; ``key`` is its id inside the bank (stable across re-imports)."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "key", name="uq_questions_bank_id_key"),
        CheckConstraint("difficulty BETWEEN 1 AND 3", name="difficulty_range"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_banks.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)
    correct: Mapped[list] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text, default="")
    competence_code: Mapped[str] = mapped_column(String(10))
    difficulty: Mapped[int] = mapped_column(SmallInteger, default=1)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # An image shown with the question (stored like lessons' uploaded images, app.learn.media).
    image_id: Mapped[int | None] = mapped_column(ForeignKey("media_files.id", ondelete="SET NULL"))

    bank: Mapped[QuestionBank] = relationship(lazy="joined")
    image: Mapped[MediaFile | None] = relationship(lazy="joined")


class Contest(Model):
    """A contest open to the people living in ``eligibility``'s subtree, ranked per group."""

    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint(
            "collective_min_rate IS NULL OR collective_min_rate BETWEEN 0 AND 100",
            name="collective_min_rate_range",
        ),
        CheckConstraint(
            "collective_units >= 0 AND collective_localities >= 0", name="collective_counts_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    rules: Mapped[str] = mapped_column(Text, default="")
    groups: Mapped[list] = mapped_column(JSON, default=lambda: list(CONTEST_GROUPS))
    eligibility_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    published: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # The issuing authority printed on the winners' certificates (e.g. "Sở Thông tin và Truyền
    # thông tỉnh Bình Phước"); empty: the CERTIFICATE_ISSUER setting.
    issuer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The collective prizes of each round (app.contests.results): how many workplace units and how
    # many localities win, and the participation rate (percent) a unit must reach to be eligible.
    collective_units: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    collective_localities: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    collective_min_rate: Mapped[int | None] = mapped_column(SmallInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    eligibility: Mapped[Locality] = relationship(lazy="joined")
    rounds: Mapped[list[ContestRound]] = relationship(
        back_populates="contest", order_by="ContestRound.number", cascade="all, delete-orphan"
    )


class ContestRound(Model):
    """A timed round; see ``app.contests.ranking`` for what ``criteria`` mean.

    ``draw`` is ``{"banks": [slug...], "tags": [...], "mix": {"1": n, "2": n, "3": n}}``: the
    number of questions of each difficulty drawn at random per attempt (``question_count`` is their
    sum). ``prizes`` is an ordered list ``[{"label": "Giải Nhất", "count": 1}, ...]`` per group.
    """

    __tablename__ = "contest_rounds"
    __table_args__ = (
        UniqueConstraint("contest_id", "number", name="uq_contest_rounds_contest_id_number"),
        CheckConstraint("closes_at > opens_at", name="window_valid"),
        CheckConstraint("time_limit_seconds > 0", name="time_limit_positive"),
        CheckConstraint("attempts_allowed >= 1", name="attempts_allowed_positive"),
        CheckConstraint("question_count >= 1", name="question_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_count: Mapped[int] = mapped_column(Integer, default=10)
    draw: Mapped[dict] = mapped_column(JSON, default=dict)
    time_limit_seconds: Mapped[int] = mapped_column(Integer, default=900)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=10)
    prediction_enabled: Mapped[bool] = mapped_column(default=True)
    prizes: Mapped[list] = mapped_column(JSON, default=list)
    criteria: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_CRITERIA))
    review_after_close: Mapped[bool] = mapped_column(default=True)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The true number of all-correct participants, known at finalize (the prediction's answer).
    all_correct_count: Mapped[int | None] = mapped_column(Integer)
    # Finalized by ``flask contests finalize-due`` once the round has closed (and its grace passed).
    auto_finalize: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the organizer published the results page (public, masked names); NULL: not published.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship(back_populates="rounds", lazy="joined")

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime) -> bool:
        return now >= self.closes_at


class ContestEntry(Model):
    """A person's registration to a contest (one per person and contest)."""

    __tablename__ = "contest_entries"
    __table_args__ = (
        UniqueConstraint("contest_id", "user_id", name="uq_contest_entries_contest_id_user_id"),
        CheckConstraint("grp IN ('citizen', 'official')", name="group_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    grp: Mapped[str] = mapped_column(String(10))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), index=True)
    workplace_unit_id: Mapped[int | None] = mapped_column(ForeignKey("workplace_units.id"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(lazy="joined")
    locality: Mapped[Locality] = relationship(lazy="joined")
    workplace_unit: Mapped[WorkplaceUnit | None] = relationship(lazy="joined")


class ContestAttempt(Model):
    """One try at a round (``round_id`` NULL for practice).

    ``number`` counts a person's attempts in a round; the unique constraint on
    (round, user, number) together with ``number <= attempts_allowed`` in the service is what holds
    the attempt limit under concurrent starts. ``questions`` is the stored draw:
    ``[{"id": question_id, "order": [original option indexes in shown order]}]``; ``answers`` maps
    question id (as text) to the chosen original option indexes.
    """

    __tablename__ = "contest_attempts"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", "number", name="uq_contest_attempts_round_id_user_id_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("status IN ('open', 'submitted', 'expired', 'void')", name="status_valid"),
        Index("ix_contest_attempts_round_id_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_day: Mapped[date | None] = mapped_column(Date)  # Asia/Ho_Chi_Minh date, for tallies
    questions: Mapped[list] = mapped_column(JSON)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    prediction: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    practice_banks: Mapped[list | None] = mapped_column(JSON)

    round: Mapped[ContestRound | None] = relationship(lazy="joined")


class ContestBestResult(Model):
    """The best submitted attempt of one participant in one round (the system of record of boards).

    ``submitted_s`` is seconds from the round's opening to the submit and ``duration_ms`` the
    server-measured time taken; both are the exact integers the ranking compares, on SQL and in
    Redis alike. The final rank and prize live in ``ContestFinalRank``.
    """

    __tablename__ = "contest_best_results"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_contest_best_results_round_id_user_id"),
        CheckConstraint("grp IN ('citizen', 'official')", name="group_valid"),
        Index("ix_contest_best_results_round_path", "round_id", "locality_path"),
        Index("ix_contest_best_results_round_unit", "round_id", "workplace_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contest_attempts.id", ondelete="CASCADE"))
    grp: Mapped[str] = mapped_column(String(10))
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"))
    locality_path: Mapped[str] = mapped_column(binary_string(400))
    workplace_unit_id: Mapped[int | None] = mapped_column(ForeignKey("workplace_units.id"))
    score: Mapped[int] = mapped_column(Integer)
    all_correct: Mapped[bool] = mapped_column(default=False)
    duration_ms: Mapped[int] = mapped_column(Integer)
    submitted_s: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prediction: Mapped[int | None] = mapped_column(Integer)
    voided: Mapped[bool] = mapped_column(default=False)
    # The score this row held before its last improvement (NULL when it was just inserted): the
    # best-result upsert returns it so that the locality tallies move by the exact difference.
    previous_score: Mapped[int | None] = mapped_column(Integer)

    entry: Mapped[ContestEntry] = relationship(lazy="joined")


class ContestLocalityTally(Model):
    """Participants and the sum of their best scores per round, group and the participants' own
    locality (a village or a commune), kept in step with ``contest_best_results`` in the same
    transaction (``contest_attempts.close_attempt``, ``contests.void_entry``) and rebuilt from it by
    ``contest_boards.rebuild_tallies``. The locality board adds these up along the current tree,
    so it reads a few thousand rows instead of every result of the round.
    """

    __tablename__ = "contest_locality_tallies"
    __table_args__ = (
        CheckConstraint("participants >= 0", name="participants_not_negative"),
        CheckConstraint("grp IN ('citizen', 'official')", name="group_valid"),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("contest_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    grp: Mapped[str] = mapped_column(binary_string(10), primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("localities.id"), primary_key=True)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[int] = mapped_column(BigInteger, default=0)


# The PostgreSQL partitions of contest_final_ranks (one per finalized round): not in the models,
# so migrations' autogenerate skips tables whose names match.
FINAL_RANK_PARTITION = re.compile(r"^contest_final_ranks_r\d+_t\d+$")


class ContestFinalRank(Model):
    """The frozen final ranking of a round: one narrow row per ranked participant and group.

    Written only by ``finalize_round`` (one INSERT ... SELECT ROW_NUMBER() per group) and trimmed
    by voiding. The primary key (round, group, rank) serves the pages of the frozen board in order,
    the unique (round, user) the person's own rank. There are deliberately no foreign keys:
    PostgreSQL checks a foreign key with one trigger call per inserted row, which doubled the time
    of finalizing a million results; every reader joins ``contest_best_results`` on
    (round_id, user_id), and the service deletes the rows it replaces.

    On PostgreSQL the table is partitioned by round (one partition per finalized round, named
    ``contest_final_ranks_r<round id>_t<transaction id>``): finalize fills a new table without
    indexes, builds its two indexes in one pass each and attaches it in place of the round's old
    partition, which is several times faster than inserting a million rows into two B-trees.
    Readers always filter by round, so PostgreSQL reads only that round's partition.
    """

    __tablename__ = "contest_final_ranks"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_contest_final_ranks_round_id_user_id"),
        CheckConstraint("final_rank >= 1", name="final_rank_positive"),
        CheckConstraint("grp IN ('citizen', 'official')", name="group_valid"),
        {"postgresql_partition_by": "LIST (round_id)"},
    )

    round_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Compared byte by byte (no collation work in the primary key on PostgreSQL).
    grp: Mapped[str] = mapped_column(binary_string(10), primary_key=True)
    final_rank: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer)
    prize: Mapped[str | None] = mapped_column(String(80))


class ContestAttemptTrace(Model):
    """Where an attempt came from, kept for the organizer's review (``app.contests.integrity``).

    The client address and a SHA-256 hash of the browser's user agent (never the agent itself) at
    start and at submit, and how many times the page lost focus (counted by contests.js and sent
    with autosave and submit; 0 without JavaScript). One row per attempt of a round.
    """

    __tablename__ = "contest_attempt_traces"
    __table_args__ = (
        CheckConstraint("focus_lost >= 0", name="focus_lost_not_negative"),
        Index("ix_contest_attempt_traces_round_address", "round_id", "start_address"),
    )

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("contest_attempts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_address: Mapped[str] = mapped_column(String(45), default="")
    start_agent: Mapped[str] = mapped_column(String(64), default="")
    submit_address: Mapped[str | None] = mapped_column(String(45))
    submit_agent: Mapped[str | None] = mapped_column(String(64))
    focus_lost: Mapped[int] = mapped_column(Integer, default=0)


class ContestRoundIntegrity(Model):
    """A round's thresholds for the integrity signals (defaults when the round has no row)."""

    __tablename__ = "contest_round_integrity"
    __table_args__ = (
        CheckConstraint(
            "seconds_per_question >= 0 AND accounts_per_address >= 2 AND same_answers_seconds >= 0 "
            "AND focus_lost_max >= 0 AND high_score_percent BETWEEN 1 AND 100",
            name="thresholds_valid",
        ),
    )

    round_id: Mapped[int] = mapped_column(
        ForeignKey("contest_rounds.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # A high score (at least ``high_score_percent`` of the questions) in under this many seconds
    # per question is implausibly fast.
    seconds_per_question: Mapped[int] = mapped_column(Integer, default=4)
    high_score_percent: Mapped[int] = mapped_column(SmallInteger, default=80)
    # More accounts than this from one address or one device are flagged.
    accounts_per_address: Mapped[int] = mapped_column(Integer, default=3)
    # Identical answers submitted within this many seconds of each other.
    same_answers_seconds: Mapped[int] = mapped_column(Integer, default=300)
    # The page lost focus more often than this.
    focus_lost_max: Mapped[int] = mapped_column(Integer, default=10)


class ContestAllowance(Model):
    """Extra time or extra attempts an organizer granted a participant in a round, with a reason
    (a disability, a proven outage); several grants add up. Read by ``start_attempt``."""

    __tablename__ = "contest_allowances"
    __table_args__ = (
        CheckConstraint("extra_seconds >= 0 AND extra_attempts >= 0", name="extras_not_negative"),
        CheckConstraint("extra_seconds > 0 OR extra_attempts > 0", name="grants_something"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
        Index("ix_contest_allowances_round_user", "round_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    extra_seconds: Mapped[int] = mapped_column(Integer, default=0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestVoidEvent(Model):
    """One void or restore of a participant: who, when and why (the list of voided participants
    and their history; the audit log records the same action)."""

    __tablename__ = "contest_void_events"
    __table_args__ = (
        CheckConstraint("action IN ('void', 'restore')", name="action_valid"),
        CheckConstraint("length(reason) > 0", name="reason_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(300))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContestAssistedEntry(Model):
    """A registration a community helper made for someone else (a citizen without a phone, or at
    the commune office): exempt from the accounts-per-address signal, counted under the helper."""

    __tablename__ = "contest_assisted_entries"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("contest_entries.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
