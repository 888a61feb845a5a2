"""Objects the access-control walk (tests/access_registry.py) needs for the learning routes.

Content is province-wide and public, so course/lesson/step values are just a small published
course; an assisted session belongs to the FOREIGN district (helper and citizen both live there).
"""
from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def learn_content(world) -> dict:
    """A published course "khoa-thu" with one two-step lesson "bai-thu" and an image (created once)."""
    from app.learn.media import store_media
    from app.learn.models import Course, Lesson, Step

    with world.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "khoa-thu"))
        if course is None:
            course = Course(slug="khoa-thu", title="Khóa thử", audience="all", competences=["2.3"])
            lesson = Lesson(slug="bai-thu", title="Bài thử", kind="steps", minutes=1, competences=["2.3"])
            image = store_media(PNG, "a.png", "image")
            lesson.steps = [Step(key="mot", title="Một", position=0, image=image),
                            Step(key="hai", title="Hai", position=1)]
            course.lessons.append(lesson)
            db.session.add(course)
            db.session.commit()
        lesson = course.lessons[0]
        if not lesson.steps:  # an earlier walk deleted them (author_delete_step)
            lesson.steps.append(Step(key="ba", title="Ba", position=0))
            db.session.commit()
        return {"course_slug": course.slug, "lesson_slug": lesson.slug, "course_id": course.id,
                "lesson_id": lesson.id, "step_id": lesson.steps[0].id}


def foreign_assisted_session(world) -> int:
    """An assisted session of a helper and a citizen of the foreign district."""
    from app.learn.models import AssistedSession

    helper = world.make_user(locality=world.foreign, roles={"helper": world.foreign}, full_name="Hỗ Trợ Hai")
    citizen = world.make_user(locality=world.foreign, full_name="Dân Huyện Hai")
    with world.app.app_context():
        session = AssistedSession(helper_id=helper.id, citizen_id=citizen.id)
        db.session.add(session)
        db.session.commit()
        return session.id
