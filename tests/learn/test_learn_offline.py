"""Offline lessons: the installable web app, the course package, and progress sent back later
(idempotent; the server's record wins). The browser side: tests/e2e/test_learn_offline.py."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.learn.models import LessonProgress, StepProgress

COURSE = "tai-khoan-dich-vu-cong"


def test_the_site_is_an_installable_web_app(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["display"] == "standalone"
    assert data["start_url"] == "/"
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
        assert icon["src"].startswith("/static/")  # served by the app, no CDN
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert "caches.match" in worker.get_data(as_text=True)
    assert client.get("/favicon.ico").status_code == 200
    html = client.get("/").get_data(as_text=True)
    assert 'rel="manifest"' in html
    assert 'rel="icon"' in html
    assert "/static/js/pwa.js" in html
    assert "https://" not in html.split("</head>")[0]


def test_the_course_package_lists_pages_media_sizes_and_a_hashed_key(client, app, shipped, make_user, login):
    assert client.get(f"/learn/{COURSE}/offline.json").status_code == 302  # log in first
    login(make_user())
    pkg = client.get(f"/learn/{COURSE}/offline.json").get_json()
    assert f"/learn/{COURSE}/" in pkg["urls"]
    assert f"/learn/{COURSE}/tao-tai-khoan-dvc/step/4" in pkg["urls"]
    assert f"/learn/{COURSE}/dang-nhap-bang-vneid/done" in pkg["urls"]
    assert any(url.startswith("/learn/media/") for url in pkg["urls"])
    assert len(pkg["video_urls"]) == 1
    assert pkg["video_urls"][0] not in pkg["urls"]
    assert pkg["size"] > 0
    assert pkg["size_label"]
    assert pkg["video_size"] > 0
    assert pkg["video_label"]
    for url in pkg["urls"] + pkg["video_urls"]:
        assert client.get(url).status_code == 200, url
    step5 = pkg["lessons"]["tao-tai-khoan-dvc"]["steps"][4]
    with app.app_context():
        from app.learn.progress import find_lesson

        right = " ".join(str(find_lesson(COURSE, "tao-tai-khoan-dvc").steps[4].check["options"][1]).split())
    digest = hashlib.sha256(f"{COURSE}/tao-tai-khoan-dvc/{step5['key']}/{right}".encode()).hexdigest()
    assert step5["check"]["right"] == [digest]  # option 2's text is right; no plain answer is sent
    assert '"answer"' not in json.dumps(pkg)
    rehearsal = pkg["lessons"]["tao-tai-khoan-dvc"]["steps"][3]["rehearsal"]
    assert [f["name"] for f in rehearsal["fields"]] == ["so_dinh_danh", "ho_ten", "dien_thoai"]


def test_the_course_page_offers_the_download(client, shipped, make_user, login):
    login(make_user())
    client.post("/lang", data={"lang": "vi"})
    html = client.get(f"/learn/{COURSE}/").get_data(as_text=True)
    assert "Tải về để học khi không có mạng" in html
    assert 'id="offline-size"' in html


def _send(client, items):
    return client.post("/learn/offline/progress", json={"items": items})


def test_progress_made_offline_is_recorded_once(client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    at = (utcnow() - timedelta(hours=2)).isoformat()
    items = [{"key": f"{COURSE}/tao-tai-khoan-dvc/mo-trang", "at": at},
             {"key": f"{COURSE}/tao-tai-khoan-dvc/tap-dien-form", "at": at},
             {"key": f"{COURSE}/tao-tai-khoan-dvc/khong-co", "at": at},
             {"key": "../../etc", "at": "hôm qua"}, "rác"]
    first = _send(client, items).get_json()
    assert first["recorded"] == [f"{COURSE}/tao-tai-khoan-dvc/mo-trang", f"{COURSE}/tao-tai-khoan-dvc/tap-dien-form"]
    assert len(first["refused"]) == 3
    again = _send(client, items[:2]).get_json()  # the phone sends the same queue twice
    assert again == {"recorded": [], "kept": [i["key"] for i in items[:2]], "refused": []}
    with app.app_context():
        rows = db.session.scalars(select(StepProgress).where(StepProgress.user_id == user.id)).all()
        assert sorted(r.step_key for r in rows) == ["mo-trang", "tap-dien-form"]
        # done two hours ago on the phone: that time is kept
        assert all(timedelta(minutes=119) < utcnow() - r.completed_at < timedelta(minutes=121) for r in rows)


def test_the_servers_record_wins(client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    client.post(f"/learn/{COURSE}/tao-tai-khoan-dvc/step/1")  # done online first
    with app.app_context():
        before = db.session.scalar(select(StepProgress.completed_at).where(StepProgress.user_id == user.id))
    result = _send(client, [{"key": f"{COURSE}/tao-tai-khoan-dvc/mo-trang",
                             "at": (utcnow() - timedelta(days=1)).isoformat()}]).get_json()
    assert result["kept"] == [f"{COURSE}/tao-tai-khoan-dvc/mo-trang"]
    with app.app_context():
        assert db.session.scalar(select(StepProgress.completed_at).where(StepProgress.user_id == user.id)) == before


def test_a_whole_lesson_done_offline_completes_it(client, app, shipped, make_user, login):
    user = make_user()
    login(user)
    pkg = client.get(f"/learn/{COURSE}/offline.json").get_json()
    keys = [f"{COURSE}/kich-hoat-vneid-muc-2/{s['key']}" for s in pkg["lessons"]["kich-hoat-vneid-muc-2"]["steps"]]
    assert _send(client, [{"key": k, "at": "2999-01-01T00:00:00+00:00"} for k in keys]).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))


def test_bad_bodies_are_refused_with_a_message(client, shipped, make_user, login):
    login(make_user())
    for body in ({"items": "x"}, [1, 2], {}):
        response = client.post("/learn/offline/progress", json=body)
        assert response.status_code == 400
        assert response.get_json()["error"]
    assert client.post("/learn/offline/progress", data="{", content_type="application/json").status_code == 400
