"""Media: HTTP Range (206), ETag/Last-Modified revalidation, long caching; upload validation."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.learn.media import MediaError, check_media, media_path, parse_webvtt, store_media
from app.learn.models import Lesson, MediaFile
from tests.learn.conftest import COURSES

VIDEO_FILE = COURSES / "tai-khoan-dich-vu-cong" / "media" / "dang-nhap-vneid.mp4"


def _video(app) -> MediaFile:
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "dang-nhap-bang-vneid"))
        media = lesson.video
        db.session.expunge(media)
        return media


def test_a_range_request_gets_206_with_exactly_those_bytes(client, app, shipped):
    video = _video(app)
    data = VIDEO_FILE.read_bytes()
    response = client.get(f"/learn/media/{video.token}", headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response.data == data[1000:2000]
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"
    tail = client.get(f"/learn/media/{video.token}", headers={"Range": "bytes=-100"})
    assert tail.status_code == 206
    assert tail.data == data[-100:]


def test_media_revalidates_with_etag_and_last_modified_and_caches_for_a_year(client, app, shipped):
    video = _video(app)
    response = client.get(f"/learn/media/{video.token}")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["ETag"].strip('"') == video.sha256
    assert response.headers["Last-Modified"]
    again = client.get(f"/learn/media/{video.token}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    since = client.get(f"/learn/media/{video.token}",
                       headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    assert client.get("/learn/media/0123456789abcdef0123456789abcdef").status_code == 404


def test_files_are_stored_outside_static_under_random_names(ctx):
    png = (COURSES / "an-toan-va-phan-anh" / "media" / "ld-otp.png").read_bytes()
    media = store_media(png, "../../evil name.png", "image")
    path = media_path(media)
    assert path.parent == ctx.config["UPLOAD_DIR"]
    assert path.name == media.token
    assert "static" not in str(path)
    assert len(media.token) == 32
    assert media.filename == "evil-name.png"
    assert path.read_bytes() == png


def test_type_is_judged_from_the_content_not_the_name(ctx):
    with pytest.raises(MediaError):
        store_media(b"<script>alert(1)</script>", "photo.png", "image")
    with pytest.raises(MediaError):
        check_media(VIDEO_FILE.read_bytes(), "image")  # a video is not an image
    with pytest.raises(MediaError):
        check_media(b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "image")  # over 2 MB
    assert check_media(VIDEO_FILE.read_bytes(), "video") == "video/mp4"


def test_captions_must_be_valid_webvtt():
    cues, problems = parse_webvtt("WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nXin chào\n")
    assert problems == []
    assert cues[0].text == "Xin chào"
    assert cues[0].end == 3.5
    assert parse_webvtt("hello\n")[1] == [(1, "the first line must be WEBVTT")]
    _cues, problems = parse_webvtt("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nNgược\n")
    assert problems[0][0] == 3
    with pytest.raises(MediaError, match="line 3"):
        check_media(b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n", "captions")


def test_upload_through_the_authoring_form_refuses_a_disguised_file(
        client, app, shipped, make_user, login, tree):
    login(make_user(roles={"organizer": "90"}))
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "nhan-biet-lua-dao"))
        step_id = lesson.steps[0].id
    data = {"title": "Cuộc gọi giả", "body": "Tắt máy.",
            "image": (io.BytesIO(b"MZ\x90\x00 not an image"), "anh.png")}
    response = client.post(f"/learn/author/step/{step_id}", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "không được nhận" in response.get_data(as_text=True)
