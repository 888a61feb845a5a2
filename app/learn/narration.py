"""Narration for people who cannot read well: Vietnamese speech for lesson steps (espeak-ng + ffmpeg).

Generated files follow the convention the loader reads: ``<course>/media/narration/<lesson file
stem>--<step id>.mp3``; a step that names its own ``audio`` file is never narrated.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.learn.content import NARRATION_DIR, ContentInvalid, StepSpec, check_content


class NarrationUnavailable(RuntimeError):
    """espeak-ng or ffmpeg is not installed."""


def step_script(step: StepSpec) -> str:
    """What is read aloud: the title, the instruction without Markdown marks, the tip and warning."""
    parts = [step.title, step.body, step.warning or "", step.tip or ""]
    text = "\n".join(p for p in parts if p)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`#>]+", "", text)
    return re.sub(r"\n+", ". ", text).strip()


def synthesize(text: str, out_path: Path, voice: str = "vi", speed: int = 135) -> None:
    """Speak ``text`` into a small mono MP3 at ``out_path``."""
    espeak, ffmpeg = shutil.which("espeak-ng"), shutil.which("ffmpeg")
    if not espeak or not ffmpeg:
        raise NarrationUnavailable("espeak-ng and ffmpeg are needed (apt-get install espeak-ng ffmpeg)")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run([espeak, "-v", voice, "-s", str(speed), "-w", str(wav), "--", text],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-i", str(wav), "-ac", "1", "-ar", "22050",
                        "-codec:a", "libmp3lame", "-b:a", "16k", str(out_path)],
                       check=True, capture_output=True, timeout=120)


def narrate_content(root: Path, force: bool = False,
                    progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write narration for every step without its own audio; returns the files written."""
    specs, errors = check_content(root)
    if errors:
        raise ContentInvalid(errors)
    written = []
    for course in specs:
        for lesson in course.lessons:
            for step in lesson.steps:
                target = lesson.path.parent / NARRATION_DIR / f"{lesson.path.stem}--{step.key}.mp3"
                generated = step.audio is not None and step.audio.resolve() == target.resolve()
                if step.audio is not None and not (generated and force):
                    continue
                synthesize(step_script(step), target)
                written.append(target)
                if progress:
                    progress(f"  {target}")
    return written
