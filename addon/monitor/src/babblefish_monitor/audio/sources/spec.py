"""Parses a source spec string (`alsa:hw:1,0`, `pulse`, `ffmpeg:rtsp://...`, `file:night.flac`)."""

from __future__ import annotations

import shlex
import shutil

from babblefish_monitor.redact import redact

from .base import SAMPLE_RATE, AudioSource, SourceError, StatusCallback
from .file import FileSource
from .process import ProcessSource, RestartPolicy

SCHEMES = ("alsa", "pulse", "ffmpeg", "file")
USAGE = "use alsa:<device>, pulse[:<source>], ffmpeg:<input> or file:<path>"

_PACKAGES = {"arecord": "alsa-utils", "parec": "pulseaudio-utils", "ffmpeg": "ffmpeg"}


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise SourceError(f"{program} is not installed (Debian package {_PACKAGES[program]})")
    return path


def alsa_argv(device: str) -> list[str]:
    """arecord reading raw 16 kHz mono s16le from an ALSA device."""
    return [_require("arecord"), "-q", "-D", device, "-t", "raw", "-f", "S16_LE",
            "-r", str(SAMPLE_RATE), "-c", "1"]  # fmt: skip


def pulse_argv(source: str | None) -> list[str]:
    """parec recording 16 kHz mono s16le from a PulseAudio source (the default one when None)."""
    argv = [_require("parec"), "--format=s16le", f"--rate={SAMPLE_RATE}", "--channels=1",
            "--latency-msec=100"]  # fmt: skip
    if source:
        argv.append(f"--device={source}")
    return argv


def ffmpeg_argv(source: str) -> list[str]:
    """ffmpeg decoding any input to 16 kHz mono s16le on stdout.

    `source` is one input (a file, URL or `rtsp://` camera), or, when it starts with `-`, ffmpeg
    input options ending in `-i <input>` (e.g. `-f lavfi -i sine=frequency=440`).
    """
    if source.startswith("-"):
        try:
            input_args = shlex.split(source)
        except ValueError as err:
            raise SourceError(
                f"cannot parse ffmpeg input options {redact(source)!r}: {err}"
            ) from err
        if "-i" not in input_args[:-1]:
            raise SourceError(f"ffmpeg input options {redact(source)!r} need '-i <input>'")
    else:
        input_args = ["-i", source]
        if source.startswith(("rtsp://", "rtsps://")):
            # Camera audio over UDP drops packets on busy Wi-Fi; TCP does not.
            input_args = ["-rtsp_transport", "tcp", *input_args]
    return [_require("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", *input_args,
            "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"]  # fmt: skip


def open_source(
    spec: str,
    *,
    realtime: bool = True,
    loop: bool = False,
    block_seconds: float = 0.1,
    policy: RestartPolicy | None = None,
    on_status: StatusCallback | None = None,
) -> AudioSource:
    """The source a spec names; raises SourceError with a plain explanation for anything unusable.

    `realtime` and `loop` only apply to `file:`; capture programs deliver at their own pace.
    """
    scheme, _sep, rest = spec.strip().partition(":")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise SourceError(f"unknown audio source {redact(spec)!r}: {USAGE}")
    if not block_seconds > 0:
        raise SourceError(f"block length must be positive, got {block_seconds}")
    block_samples = max(1, round(block_seconds * SAMPLE_RATE))
    if scheme == "file":
        if not rest:
            raise SourceError("file: needs a path, e.g. file:/share/night.flac")
        return FileSource(rest, realtime=realtime, loop=loop, block_samples=block_samples,
                          name=redact(spec), on_status=on_status)  # fmt: skip
    if scheme == "alsa":
        argv = alsa_argv(rest or "default")
    elif scheme == "pulse":
        argv = pulse_argv(rest or None)
    else:
        if not rest:
            raise SourceError("ffmpeg: needs an input, e.g. ffmpeg:rtsp://camera.local/stream")
        argv = ffmpeg_argv(rest)
    return ProcessSource(
        argv, name=redact(spec), policy=policy, block_samples=block_samples, on_status=on_status
    )
