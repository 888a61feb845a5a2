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


def test_rates_by_locality_keep_same_named_villages_apart(client, app, login, tree, make_user):
    """The defect: the province-wide table "by locality" added up every "Ấp 1" of the province in
    one row. Each village is its own row, with its code and its parents."""
    import re

    from app.core.extensions import db
    from app.learn.models import Course, Lesson

    with app.app_context():
        db.session.add(Course(slug="c", title="C", lessons=[Lesson(slug="l", title="L")]))
        db.session.commit()
    for village in ("9010101", "9010101", "9020101"):
        make_user(kind="official", locality=village)
    login(make_user(roles={"organizer": "90"}))
    client.post("/training/assignments/new", data={
        "title": "T", "course_id": 1, "locality_code": "90", "target_role": "official",
        "workplace_unit_id": 0, "due_on": "2030-01-01", "test_questions": 0})
    html = client.get("/training/assignments/1").get_data(as_text=True)
    table = html[html.index('id="by-locality"'):]
    table = table[:table.index("</table>")]
    rows = dict(re.findall(r'<tr data-code="(\d+)"><td>\d+</td><td>([^<]*)</td>', table))
    assert rows == {"9010101": "Ấp Ấp 1, Xã Xã Tân Thành, Huyện Huyện Một",
                    "9020101": "Ấp Ấp 1, Xã Xã Phú Văn, Huyện Huyện Hai"}
    assert "0 / 2 lượt giao (0,0%)" in table
