"""Training pages: an organizer assigns a course through the form, sees compliance, reminders and exports."""


def test_training_pages(client, app, login, tree, make_user):
    from app.core.extensions import db
    from app.learn.models import Course, Lesson

    with app.app_context():
        db.session.add(Course(slug="c", title="C", lessons=[Lesson(slug="l", title="L")]))
        db.session.commit()
    make_user(kind="official", locality="90101")
    org = make_user(roles={"organizer": "901"})
    login(org)
    assert client.get("/training/assignments/new").status_code == 200
    r = client.post(
        "/training/assignments/new",
        data={
            "title": "T",
            "course_id": 1,
            "locality_code": "901",
            "target_role": "official",
            "workplace_unit_id": 0,
            "due_on": "2030-01-01",
            "test_questions": 0,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    for url in (
        "/training/assignments",
        "/training/assignments/1",
        "/training/assignments/1/export.xlsx",
        "/training/reminders",
        "/training/reminders.csv",
        "/training/certificates",
        "/training/",
    ):
        assert client.get(url).status_code == 200, url
