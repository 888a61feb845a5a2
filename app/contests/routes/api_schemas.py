"""Models of the contest endpoints of the JSON API, for the OpenAPI document (``app.api.openapi``).

The attempt and board endpoints are the product's hottest paths: they check their input by hand
(``routes/api.py``) in the shape these models describe, and tests/api/test_schemathesis.py holds
them to it. Nothing here carries an answer key."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.api.openapi import ErrorDetail
from app.core.urls import MAX_INT32

Group = Literal["citizen", "official"]
Criterion = Literal["score", "prediction", "duration", "submitted"]
AttemptStatus = Literal["open", "submitted", "expired", "void"]


class ContestSummary(BaseModel):
    """A published contest."""

    slug: str = Field(description="Names the contest in URLs.")
    title: str
    groups: list[Group] = Field(description="Audience groups, each ranked on its own board.")
    eligibility: str = Field(description="Code of the locality whose people may take part.")


class ContestList(BaseModel):
    """Published contests, newest first."""

    contests: list[ContestSummary]


class RoundOut(BaseModel):
    """A round of a contest."""

    number: int
    title: str
    opens_at: datetime
    closes_at: datetime
    questions: int = Field(description="Questions drawn for each attempt.")
    time_limit_seconds: int
    attempts_allowed: int = Field(description="Attempts a person may make; the best one counts.")
    prediction: bool = Field(description="Whether attempts ask the prediction question (a whole number).")
    criteria: list[Criterion] = Field(description="The ranking's order of tie-breaks.")
    finalized: bool = Field(description="Whether the final ranking is frozen.")


class ContestDetail(ContestSummary):
    """A published contest with its rules and rounds."""

    rules: str
    rounds: list[RoundOut]


class OptionOut(BaseModel):
    value: str = Field(description="What to send back in `answers` to choose this option: a token "
                                   "that means nothing outside this attempt (the next attempt gives the "
                                   "same text another token, in another order).")
    text: str


class QuestionOut(BaseModel):
    id: int
    text: str
    multiple: bool = Field(description="Whether more than one option is right.")
    options: list[OptionOut] = Field(description="In the attempt's own order.")


class AttemptOut(BaseModel):
    """The attempt in progress: its questions without their answer key, and what was saved."""

    id: int
    status: AttemptStatus
    number: int = Field(description="1 for the person's first attempt in the round, and so on.")
    started_at: datetime
    deadline: datetime = Field(description="Count down to this from `GET /time`, not the phone's clock.")
    questions: list[QuestionOut]
    answers: dict[str, list[str]] = Field(description="Option values saved so far, by question id.")


class AnswersIn(BaseModel):
    """Answers by question id (each a list of option values) and the prediction; both optional.

    Answers merge with those saved before; answers to other questions and option values that do
    not exist are ignored."""

    answers: dict[str, list[str]] = Field(default_factory=dict)
    prediction: int | None = Field(None, ge=0, description="The prediction question's answer.")


class Saved(BaseModel):
    """Saved: every answer kept so far."""

    saved: Literal[True]
    answers: dict[str, list[str]]


class SubmitResult(BaseModel):
    """The attempt, graded and closed (submitting again returns the same result)."""

    id: int
    status: AttemptStatus
    score: int | None = Field(description="Questions answered exactly right.")
    questions: int
    duration_ms: int | None = Field(description="From the server's start to the server's receipt of the submit.")


class AttemptRefusalDetail(ErrorDetail):
    code: Literal["closed", "empty", "not_registered", "voided", "limit", "late", "prediction"] | None = Field(
        None, description="The rule that refused the request (absent when the body could not be read).")


class AttemptRefusal(BaseModel):
    """A rule about attempts refused the request: `code` says which."""

    error: AttemptRefusalDetail


class SubmitRefusalDetail(AttemptRefusalDetail):
    status_after: AttemptStatus | None = Field(None, description="The attempt's status now.")
    score: int | None = Field(None, description="The attempt's score now (a late submit is graded with what was saved).")


class SubmitRefusal(BaseModel):
    """The submit was refused: after a `late` one the attempt is closed as expired with its saved answers."""

    error: SubmitRefusalDetail


class LeaderboardQuery(BaseModel):
    group: Group | None = Field(None, description="The audience group's board; the contest's first group by default.")
    limit: int = Field(50, ge=1, le=200, description="Entries per page.")
    offset: int = Field(0, ge=0, le=MAX_INT32, description="Entries to skip.")
    locality: str | None = Field(None, description="A locality code: the board of that subtree, ranks counted within it.")


class BoardEntryOut(BaseModel):
    rank: int
    name: str = Field(description="The participant's name, masked (`Nguyễn V. A`).")
    locality: str
    score: int
    duration_ms: int
    prize: str | None = Field(description="The prize, once the round is finalized.")
    prediction: int | None = Field(None, description="Final boards only: the participant's prediction.")
    prediction_error: int | None = Field(
        None, description="Final boards only: the distance from the prediction to `all_correct_count`."
    )
    submitted_at: datetime | None = Field(None, description="Final boards only: when the counted attempt was submitted.")


class OwnRank(BaseModel):
    rank: int | None = Field(description="The caller's rank on the whole board; null without a result.")


class Leaderboard(BaseModel):
    """A page of a round's board: live (every criterion but the prediction) until the round is
    finalized, then the frozen final ranking."""

    group: Group
    final: bool
    total: int
    offset: int
    entries: list[BoardEntryOut]
    all_correct_count: int | None = Field(
        None, description="Final boards only: the round's true number of all-correct participants (the "
                          "prediction's answer). With each entry's tie-break values anyone can check the order."
    )
    me: OwnRank | None = Field(None, description="Only with a valid bearer token.")


class LocalityBoardQuery(BaseModel):
    parent: str | None = Field(None, description="A locality code inside the contest's area; the area by default.")


class Participation(BaseModel):
    """The indicator `round_participation_headcount` (docs/indicators.md): the round's participants
    out of the unit's headcount (not out of registered people)."""

    indicator: Literal["round_participation_headcount"]
    numerator: int = Field(description="Participants of the round in the unit.")
    denominator: int | None = Field(description="The unit's headcount; null when unknown.")
    value: float | None = Field(description="Percent, one decimal (rounded half up); null without a headcount.")


class LocalityRow(BaseModel):
    code: str
    name: str = Field(description="Type and name; the code is added where two units have the same name.")
    participants: int
    headcount: int | None = Field(description="People expected to take part, when known.")
    rate: float | None = Field(description="participants / headcount as a fraction (0–1); the same figure "
                               "as `participation.value` / 100.")
    participation: Participation
    average_score: float | None


class LocalityBoard(BaseModel):
    """Participants of the round per unit directly under `parent`, best participation rate first."""

    parent: str
    at: datetime
    localities: list[LocalityRow]
