"""Lessons without a network: ``offline_package`` (what a phone stores to take a course offline)
and ``record_offline_progress`` (the steps done offline, sent when the network returns).

Rules:

- A course's package lists its pages (course, lessons, every step, the "done" pages), the images,
  narration and captions, and the styles and scripts the pages use; videos are listed apart, with
  their size, because they are optional. Sizes are shown before anything is downloaded.
- Check questions are graded on the phone from a key sent only in this package (lessons are
  practice; contest and training tests never have an offline key): for each check, the SHA-256 of
  ``<course>/<lesson>/<step>/<text>`` of the right option's text (whitespace collapsed), so the
  answer is not readable at a glance. The text, not the option's value: the page identifies
  options by tokens that change with every showing (``progress.check_options``). Rehearsal forms carry
  their field rules (nothing a person types leaves the phone).
- Progress made offline is queued on the phone and sent later. Each item's idempotency key is
  ``<course>/<lesson>/<step>``: a step is completed once per learner (``mark_done``), so sending the
  same item twice changes nothing. The server's record wins: a step already done keeps its time
  and helper; an offline item only adds what the server does not have. Items naming unknown
  lessons or steps are refused (and reported, so the phone stops sending them).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.accounts.service import MOBILE_PREFIXES
from app.core.types import utcnow
from app.learn.models import Course, Lesson, MediaFile, Step
from app.learn.progress import done_keys, find_lesson, mark_done

MAX_ITEMS = 500  # per request: a course has tens of steps; a phone offline for weeks, a few hundred
STATIC_FILES = ("css/app.css", "css/learn.css", "js/learn-offline.js", "js/learn-video.js", "js/pwa.js")
OLDEST = timedelta(days=60)  # a completion time older than this (or in the future) is taken as now


def right_values(step: Step) -> list[str]:
    """The texts (whitespace collapsed, as the phone reads the chosen label) of the options that
    answer the step's check right."""
    answer = (step.check or {}).get("answer")
    options = [" ".join(str(o).split()) for o in (step.check or {}).get("options") or []]
    return [text for n, text in enumerate(options, 1) if n == answer]


def answer_digest(lesson: Lesson, step: Step, value: str) -> str:
    return hashlib.sha256(f"{lesson.course.slug}/{lesson.slug}/{step.key}/{value}".encode()).hexdigest()


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))
    return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024))))


def _step_rules(lesson: Lesson, step: Step) -> dict:
    rules: dict = {"key": step.key, "check": None, "rehearsal": None}
    if step.check:
        rules["check"] = {"right": [answer_digest(lesson, step, v) for v in right_values(step)]}
    if step.rehearsal:
        rules["rehearsal"] = {"fields": [
            {k: field.get(k) for k in ("name", "type", "length", "options", "expected", "hint",
                                       "not_future", "min", "max")}
            for field in step.rehearsal.get("fields", [])]}
    return rules


def offline_package(course: Course, lessons: list[Lesson]) -> dict:
    """What a phone stores to take ``course`` offline: URLs (videos apart), sizes, grading rules."""
    pages = [url_for("learn.course", course_slug=course.slug)]
    media: dict[str, MediaFile] = {}
    videos: dict[str, MediaFile] = {}
    package_lessons = {}
    for lesson in lessons:
        slugs: dict[str, Any] = {"course_slug": course.slug, "lesson_slug": lesson.slug}
        pages += [url_for("learn.lesson", **slugs), url_for("learn.lesson_done", **slugs)]
        pages += [url_for("learn.step", **slugs, number=n) for n in range(1, len(lesson.steps) + 1)]
        for item in (lesson.captions, lesson.poster, *(s.image for s in lesson.steps),
                     *(s.audio for s in lesson.steps)):
            if item is not None:
                media[url_for("learn.media", token=item.token)] = item
        if lesson.video is not None:
            videos[url_for("learn.media", token=lesson.video.token)] = lesson.video
        package_lessons[lesson.slug] = {
            "kind": lesson.kind, "total": len(lesson.steps),
            "steps": [_step_rules(lesson, step) for step in lesson.steps],
        }
    static = [url_for("static", filename=name) for name in STATIC_FILES]
    # pages are about 12 KB each as sent (measured: 9–19 KB); media sizes are exact
    size = 12 * 1024 * (len(pages) + len(static)) + sum(m.size for m in media.values())
    video_size = sum(v.size for v in videos.values())
    return {
        "course": course.slug,
        "version": course.updated_at.isoformat() if course.updated_at else "",
        "urls": pages + static + list(media),
        "video_urls": list(videos),
        "size": size, "size_label": _size_label(size),
        "video_size": video_size, "video_label": _size_label(video_size) if videos else "",
        "lessons": package_lessons,
        "mobile_prefixes": sorted(MOBILE_PREFIXES),
        "messages": {
            "choose": _("Choose one answer."),
            "wrong": _("Not this one. Read the step again and try another answer."),
            "rehearsal": _("Not quite. Look at the hints below and try again."),
            "saved": _("Saved on this phone. It will be sent when you are back online."),
            "downloading": _("Downloading…"),
            "downloaded": _("Downloaded: this course now works without a network."),
            "failed": _("The download did not finish. Try again where the signal is better."),
        },
    }


def _completed_at(raw: object) -> datetime:
    now = utcnow()
    try:
        at = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return now
    if at.tzinfo is None or at > now or at < now - OLDEST:
        return now
    return at


def record_offline_progress(user_id: int, items: list, helper_id: int | None = None) -> dict[str, list[str]]:
    """Apply steps completed offline (caller commits). ``items``: ``{"key": "<course>/<lesson>/<step>",
    "at": ISO time}``. Returns the keys ``recorded`` (new), ``kept`` (already on the server: its
    record wins) and ``refused`` (unknown lesson or step, or not a valid item)."""
    result: dict[str, list[str]] = {"recorded": [], "kept": [], "refused": []}
    for item in items[:MAX_ITEMS]:
        key = str(item.get("key", ""))[:200] if isinstance(item, dict) else ""
        parts = key.split("/")
        lesson = find_lesson(parts[0], parts[1]) if len(parts) == 3 else None
        if lesson is None or parts[2] not in {s.key for s in lesson.steps}:
            result["refused"].append(key)
            continue
        step_key = parts[2]
        if step_key in done_keys(user_id, lesson):
            result["kept"].append(key)
            continue
        at = _completed_at(item.get("at"))
        step = next(s for s in lesson.steps if s.key == step_key)
        if lesson.kind == "video" and step.check:
            mark_done(user_id, lesson, "video", helper_id, at=at)  # as answer_check does online
        mark_done(user_id, lesson, step_key, helper_id, at=at)
        result["recorded"].append(key)
    return result
