"""What the access-control walk (tests/test_access.py) needs to know about routes.

Every endpoint in ``app.url_map`` is walked. Areas extend these two tables with small edits:

- ``PUBLIC_ENDPOINTS``: endpoints anyone may open without logging in.
- ``ARG_FACTORIES``: for each URL argument name (or ``"endpoint:argument"`` where areas use one
  name for different things), a function ``(world) -> value`` giving a value that
  belongs to the FOREIGN district (``world.foreign`` = locality code "902", while staff in the walk
  hold their roles over district "901"). Use ``world.app`` with ``app.app_context()`` to create
  objects, ``world.make_user`` / ``world.make_locality`` for people and places. A staff member who
  may open the endpoint must then get 403 or 404 for the foreign value.
- ``OWN_ARG_ENDPOINTS``: endpoints whose arguments are the caller's own things or public values
  (skipped by the foreign-object check, still walked for anonymous and role checks).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

PUBLIC_ENDPOINTS: set[str] = {
    "static", "main.index", "main.set_language", "main.set_preferences", "auth.logout",
    "auth.login", "auth.register", "auth.reset_request", "auth.reset_password",
    "api.health", "api.server_time", "api.locality_roots", "api.locality_children",
    # the API's description (OpenAPI document and its reference page): public, like the API's reads
    "api.openapi_json", "api.docs",
    "verify.verify",
    # learning: anyone reads lessons; progress is saved only for a logged-in learner
    "learn.catalogue", "learn.course", "learn.lesson", "learn.step", "learn.watched", "learn.lesson_done",
    "learn.media",
    # the installable web app: manifest, service worker, icon
    "main.manifest", "main.service_worker", "main.favicon",
    # contests: contest pages and public boards (masked names), the API's public reads and token login
    "contests.index", "contests.contest", "contests.round_page", "contests.board", "contests.overall",
    "contests.localities", "contests.units", "contests.results_page",
    "api.auth_token", "api.api_contests", "api.api_contest", "api.api_leaderboard", "api.api_localities",
}

OWN_ARG_ENDPOINTS: set[str] = {"insights.radar", "training.export_reminders",
                               # lesson content is province-wide (no locality): organizers edit any course
                               "learn.author_course", "learn.author_lesson", "learn.author_add_step",
                               "learn.author_step", "learn.author_move_step", "learn.author_delete_step",
                               # a published course packed for offline use (content is province-wide)
                               "learn.offline_package",
                               # the import template is an example file, the same for everyone
                               "organize.bank_template",
                               # the audit export lists only the caller's contests and banks (its
                               # only argument is the format; scope: tests/contests/test_audit_page.py)
                               "organize.audit_export"}


def _foreign_user(world) -> int:
    user = world.make_user(locality=world.foreign, full_name="Người Huyện Hai")
    return user.id


def _foreign_contest(world) -> dict:
    """A contest open to district 902 only, with one round and one attempt (created once)."""
    if getattr(world, "_foreign_contest", None) is None:
        from datetime import timedelta

        from app.contests.models import Contest, ContestAttempt, ContestRound
        from app.core.extensions import db
        from app.core.types import utcnow
        from app.localities.service import get_by_code

        user_id = _foreign_user(world)
        with world.app.app_context():
            contest = Contest(slug="foreign-contest", title="Cuộc thi Huyện Hai", groups=["citizen"],
                              eligibility_id=get_by_code(world.foreign).id)
            db.session.add(contest)
            db.session.flush()
            now = utcnow()
            round_ = ContestRound(contest_id=contest.id, number=1, opens_at=now - timedelta(days=1),
                                  closes_at=now + timedelta(days=1), draw={"banks": []})
            db.session.add(round_)
            db.session.flush()
            attempt = ContestAttempt(round_id=round_.id, user_id=user_id, number=1, deadline=now, questions=[])
            db.session.add(attempt)
            db.session.commit()
            world._foreign_contest = {"slug": contest.slug, "contest_id": contest.id, "round_id": round_.id,
                                      "attempt_id": attempt.id}
    return world._foreign_contest


def _foreign_bank(world) -> dict:
    """A question bank owned by district 902 (issue 19, item 4), with one question (created once)."""
    if getattr(world, "_foreign_bank", None) is None:
        from app.contests.models import Question, QuestionBank
        from app.core.extensions import db
        from app.localities.service import get_by_code

        with world.app.app_context():
            bank = QuestionBank(slug="foreign-bank", title="Ngân hàng Huyện Hai", source="editor",
                                owner_locality_id=get_by_code(world.foreign).id)
            db.session.add(bank)
            db.session.flush()
            question = Question(bank_id=bank.id, key="q1", text="Câu hỏi?", options=["A", "B"], correct=[0],
                                explanation="", competence_code="2.3", difficulty=1, tags=[])
            db.session.add(question)
            db.session.commit()
            world._foreign_bank = {"slug": bank.slug, "question_id": question.id}
    return world._foreign_bank


def _foreign_entry(world) -> int:
    """A registration to the foreign contest (issue 15: void, restore, allowance pages)."""
    if getattr(world, "_foreign_entry", None) is None:
        from app.contests.models import ContestEntry
        from app.core.extensions import db
        from app.localities.service import get_by_code

        contest_id = _foreign_contest(world)["contest_id"]
        user_id = _foreign_user(world)
        with world.app.app_context():
            entry = ContestEntry(contest_id=contest_id, user_id=user_id, grp="citizen", full_name="Người Huyện Hai",
                                 locality_id=get_by_code(world.foreign).id)
            db.session.add(entry)
            db.session.commit()
            world._foreign_entry = entry.id
    return world._foreign_entry


# Bank pages: every endpoint of the organizer blueprint whose "slug" names a bank.
BANK_ENDPOINTS = ("organize.bank", "organize.bank_settings", "organize.new_question", "organize.edit_question",
                  "organize.retire_question", "organize.restore_question", "organize.bank_preview",
                  "organize.export_bank", "organize.import_into_bank")

ARG_FACTORIES: dict[str, Callable[[Any], Any]] = {
    **{f"{endpoint}:slug": lambda world: _foreign_bank(world)["slug"] for endpoint in BANK_ENDPOINTS},
    "question_id": lambda world: _foreign_bank(world)["question_id"],
    "organize.export_bank:fmt": lambda world: "gift",
    "slug": lambda world: _foreign_contest(world)["slug"],
    "number": lambda world: 1,
    "contest_id": lambda world: _foreign_contest(world)["contest_id"],
    "round_id": lambda world: _foreign_contest(world)["round_id"],
    "attempt_id": lambda world: _foreign_contest(world)["attempt_id"],
    "entry_id": _foreign_entry,
    "organize.void_or_restore:action": lambda world: "void",
    "organize.export:kind": lambda world: "participants",
    "insights.chart:kind": lambda world: "bars",
    "code": lambda world: world.foreign,
    "user_id": _foreign_user,
    "grant_id": lambda world: 1,
    "token": lambda world: "invalid-token",
    "filename": lambda world: "x.css",
    "fmt": lambda world: "csv",
    "insights.chart:fmt": lambda world: "png",
    "insights.radar:fmt": lambda world: "png",
    "table": lambda world: "children",
    "assignment_id": lambda world: _foreign_assignment(world),
    "certificate_id": lambda world: _foreign_certificate(world),
    "campaign_id": lambda world: _foreign_campaign(world),
    # learning (tests/learn/learn_access.py): public content; an assisted session in district 902
    **{name: (lambda key: lambda world: _learn().learn_content(world)[key])(name)
       for name in ("course_slug", "lesson_slug", "course_id", "lesson_id", "step_id")},
    "assisted_session_id": lambda world: _learn().foreign_assisted_session(world),
}


def _learn():
    import importlib

    return importlib.import_module("tests.learn.learn_access")


def _foreign_assignment(world) -> int:
    """A training assignment targeted at the foreign district (issue 5)."""
    from datetime import date

    from app.core.extensions import db
    from app.learn.models import Course
    from app.localities.service import get_by_code
    from app.training.models import TrainingAssignment

    if getattr(world, "_foreign_assignment", None) is not None:
        return world._foreign_assignment
    with world.app.app_context():
        course = Course(slug=f"foreign-{world.foreign}", title="Khóa học")
        db.session.add(course)
        db.session.flush()
        assignment = TrainingAssignment(title="Bắt buộc", course_id=course.id,
                                        locality_id=get_by_code(world.foreign).id, due_on=date(2030, 1, 1))
        db.session.add(assignment)
        db.session.commit()
        world._foreign_assignment = assignment.id
        return assignment.id


def _foreign_certificate(world) -> int:
    """A certificate of a person living in the foreign district (issue 5)."""
    from app.core.extensions import db
    from app.training.models import Certificate

    user_id = _foreign_user(world)
    with world.app.app_context():
        cert = Certificate(code=f"foreign-certificate-code-{user_id}", user_id=user_id, subject="Khóa học",
                           full_name="Người Huyện Hai")
        db.session.add(cert)
        db.session.commit()
        return cert.id


def _foreign_campaign(world) -> int:
    """A campaign of messages about the foreign district (issue 16)."""
    from app.core import messaging
    from app.core.extensions import db
    from app.localities.service import get_by_code

    with world.app.app_context():
        campaign = messaging.campaign("foreign-campaign", "contest_round_opened", "Huyện Hai",
                                      get_by_code(world.foreign).id)
        db.session.commit()
        return campaign.id
