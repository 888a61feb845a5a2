"""Lesson media: validating, storing and serving images, videos, captions and narration audio.

Files are stored under ``UPLOAD_DIR`` (outside the static folder) named by a random token; the
name a person or a content file gave is kept only as data for exports. The type is decided from
the content (magic bytes), never from the name. Identical content is stored once.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import select

from app.core.extensions import db
from app.learn.models import MediaFile

ONE_YEAR = 365 * 24 * 3600
MB = 1024 * 1024

# kind → (largest size in bytes, content types accepted)
MEDIA_RULES: dict[str, tuple[int, tuple[str, ...]]] = {
    "image": (2 * MB, ("image/png", "image/jpeg", "image/webp")),
    "video": (50 * MB, ("video/mp4", "video/webm")),
    "captions": (512 * 1024, ("text/vtt",)),
    "audio": (5 * MB, ("audio/mpeg", "audio/ogg", "audio/wav")),
}
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "video/mp4": ".mp4",
              "video/webm": ".webm", "text/vtt": ".vtt", "audio/mpeg": ".mp3", "audio/ogg": ".ogg",
              "audio/wav": ".wav"}


class MediaError(ValueError):
    """A file was refused; the message is shown to the author."""


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` judged from its first bytes, or None when not a known type."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:4096]:
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    text = head.lstrip(b"\xef\xbb\xbf")
    if text.startswith(b"WEBVTT") and (len(text) == 6 or text[6:7] in (b" ", b"\t", b"\n", b"\r")):
        return "text/vtt"
    return None


# --- WebVTT ----------------------------------------------------------------------------------------

_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$")


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def parse_webvtt(text: str) -> tuple[list[Cue], list[tuple[int, str]]]:
    """Cues of a WebVTT file and its problems as ``(line number, message)`` (empty when valid)."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    errors: list[tuple[int, str]] = []
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        return [], [(1, _("the first line must be WEBVTT"))]
    cues: list[Cue] = []
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start_line = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = 0 if "-->" in block[0] else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            errors.append((start_line + 1, _("a cue needs a timing line like 00:00:01.000 --> 00:00:04.000")))
            continue
        match = _TIMING.match(block[timing_at].strip())
        if not match:
            errors.append((start_line + timing_at + 1, _("bad cue timing: %(timing)s", timing=block[timing_at].strip())))
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end <= start:
            errors.append((start_line + timing_at + 1, _("a cue must end after it starts")))
            continue
        body = "\n".join(block[timing_at + 1:]).strip()
        if not body:
            errors.append((start_line + timing_at + 2, _("a cue has no text")))
            continue
        cues.append(Cue(start, end, re.sub(r"<[^>]+>", "", body)))
    if not cues and not errors:
        errors.append((1, _("the captions have no cue")))
    return cues, errors


# --- storing ---------------------------------------------------------------------------------------

def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def media_path(media: MediaFile) -> Path:
    """Where a stored file lives; the token is ours (random hex), never a name from outside."""
    if not re.fullmatch(r"[0-9a-f]{32}", media.token):
        raise MediaError(_("Bad media token."))
    return upload_dir() / media.token


def check_media(data: bytes, kind: str) -> str:
    """Validate ``data`` as a ``kind`` file (type from content, size, captions syntax); its type."""
    if kind not in MEDIA_RULES:
        raise MediaError(_("Unknown media kind %(kind)s.", kind=kind))
    limit, types = MEDIA_RULES[kind]
    if len(data) > limit:
        raise MediaError(_("The file is larger than %(kb)s KB.", kb=limit // 1024))
    content_type = sniff(data)
    if content_type not in types:
        raise MediaError(_("This file type is not accepted here (%(types)s).", types=", ".join(
            EXTENSIONS[t].lstrip(".").upper() for t in types)))
    if content_type == "text/vtt":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MediaError(_("The captions are not UTF-8 text.")) from exc
        _cues, problems = parse_webvtt(text)
        if problems:
            raise MediaError("; ".join(_("line %(line)s: %(problem)s", line=line, problem=msg)
                                       for line, msg in problems[:5]))
    return content_type


def safe_filename(name: str, content_type: str) -> str:
    """A tidy base name for exports: letters, digits, dots and dashes, with the right extension."""
    stem = PurePath(name or "file").stem
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:80] or "file"
    return stem + EXTENSIONS[content_type]


def store_media(data: bytes, filename: str, kind: str, written: list[Path] | None = None) -> MediaFile:
    """Check and store ``data``; the existing row when the same content is stored already.
    ``written`` collects the files this call wrote, for ``remove_files`` when the change that
    stored them is refused after all (its rows are rolled back, its files must go too)."""
    content_type = check_media(data, kind)
    digest = hashlib.sha256(data).hexdigest()
    pending = (obj for obj in db.session.new if isinstance(obj, MediaFile) and obj.sha256 == digest)
    media = next(pending, None) \
        or db.session.scalar(select(MediaFile).where(MediaFile.sha256 == digest))
    if media is None:
        media = MediaFile(token=secrets.token_hex(16), sha256=digest, kind=kind, content_type=content_type,
                          filename=safe_filename(filename, content_type), size=len(data))
        db.session.add(media)
    path = media_path(media)
    if not path.exists() or path.stat().st_size != len(data):
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        if written is not None:
            written.append(path)
    return media


def store_upload(file_storage, kind: str, written: list[Path] | None = None) -> MediaFile:
    """Store a file uploaded through a form (read at most one byte past the limit)."""
    limit = MEDIA_RULES[kind][0]
    data = file_storage.stream.read(limit + 1)
    if not data:
        raise MediaError(_("The file is empty."))
    return store_media(data, file_storage.filename or kind, kind, written)


def remove_files(paths: list[Path]) -> None:
    """Delete files ``store_media`` wrote for a change that was refused."""
    for path in paths:
        path.unlink(missing_ok=True)


@lru_cache(maxsize=1024)
def _png_size(token: str, path: str) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def image_size(media: MediaFile) -> tuple[int, int] | None:
    """(width, height) of a stored PNG read from its header (so the page reserves the picture's
    real space); None for other types."""
    if media.content_type != "image/png":
        return None
    return _png_size(media.token, str(media_path(media)))


def read_media(media: MediaFile) -> bytes:
    return media_path(media).read_bytes()


def media_response(media: MediaFile) -> Response:
    """The file with Range (206), ETag/Last-Modified revalidation and a one-year immutable cache.

    A token's content never changes (a new upload gets a new token), so caches may keep it.
    """
    response = send_file(media_path(media), mimetype=media.content_type, conditional=True,
                         etag=media.sha256, last_modified=media.created_at, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["Accept-Ranges"] = "bytes"
    return response
