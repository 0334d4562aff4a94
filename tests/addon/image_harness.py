"""Builds and runs the add-on image with the Docker engine, on a local stand-in for Home Assistant's base.

The stand-in (tests/addon/standin/, its Dockerfile says what it fakes) sits on a debootstrap bookworm
root that scripts/debootstrap_root.sh keeps under .cache/roots. Build times and image sizes go to
bench/out/addon_image.json, the figures the integrator quotes.

aarch64 on an x86_64 host runs under qemu-user, which needs two things a real Raspberry Pi has anyway
(emulation_options): the Pi 4's CPU model (QEMU_CPU=cortex-a72), and an ARM /proc/cpuinfo
(emulation/cpuinfo-raspberry-pi-4). Debian bookworm's qemu 7.2 hands an aarch64 guest the host's x86
/proc/cpuinfo; the cpuinfo library inside LiteRT parses it as an ARM one and writes through a null
pointer in cpuinfo_arm_linux_init, so the interpreter segfaults while it is being created (seen with
gdb through qemu's gdbstub). Under qemu's default CPU ("max": SVE2, SME) the model's int8 outputs
differ from amd64's and the demo cry is missed; under cortex-a72, a53 or a76 they match amd64 exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("standin")
FIGURES = ROOT / "bench" / "out" / "addon_image.json"
HOST_CA = Path(os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"))
# What Home Assistant's Debian base ships and our scripts call, plus Debian's s6 for the stand-in /init.
ROOT_PACKAGES = "bash,curl,jq,ca-certificates,s6,tzdata"
# The add-on's architecture names (config.yaml) and Debian's for the same machine.
DEBIAN_ARCH = {"amd64": "amd64", "aarch64": "arm64"}
NATIVE_ARCH = {"x86_64": "amd64", "aarch64": "aarch64"}.get(platform.machine())
# A Raspberry Pi 4's processor: the board the aarch64 image is mostly for.
EMULATED_CPU = "cortex-a72"
EMULATED_CPUINFO = Path(__file__).with_name("emulation") / "cpuinfo-raspberry-pi-4"


class DockerError(RuntimeError):
    """A docker command failed; the message carries its output."""


def docker(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI; the legacy builder, since `--network host` builds need no BuildKit setup."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if check and result.returncode != 0:
        raise DockerError(
            f"docker {' '.join(args[:3])}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result


def engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    if shutil.which("docker") is None:
        return "no docker CLI (apt-get install docker.io; .ci/run installs it)"
    result = docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False)
    if result.returncode != 0:
        return f"no Docker engine answers (start one: scripts/docker_engine.sh): {result.stderr.strip()[:200]}"
    return None


def emulation_problem(arch: str) -> str | None:
    """Why `arch` images cannot run on this machine, or None when they can (natively or by qemu)."""
    if arch == NATIVE_ARCH:
        return None
    entry = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")
    if arch == "aarch64" and entry.is_file() and entry.read_text().startswith("enabled"):
        return None
    return f"{arch} binaries cannot run here (qemu-user-static + binfmt: scripts/docker_engine.sh)"


def _root_tarball(arch: str) -> Path:
    result = subprocess.run(
        [str(ROOT / "scripts" / "debootstrap_root.sh"), "bookworm", DEBIAN_ARCH[arch], ROOT_PACKAGES],
        capture_output=True, text=True, timeout=3600, check=False, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        raise DockerError(f"debootstrap root for {arch}: {result.stderr[-3000:]}")
    return ROOT / result.stdout.strip().splitlines()[-1]


def _image_exists(tag: str) -> bool:
    return docker("image", "inspect", tag, check=False).returncode == 0


def standin_base(arch: str) -> str:
    """The stand-in base image for `arch`, imported and built once per root and stand-in content."""
    tarball = _root_tarball(arch)
    digest = hashlib.sha256(tarball.name.encode())
    for path in sorted(STANDIN.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    digest.update(HOST_CA.read_bytes())
    tag = f"babblefish-standin-base:{arch}-{digest.hexdigest()[:12]}"
    if _image_exists(tag):
        return tag
    root_tag = f"babblefish-standin-root:{tarball.stem}"
    if not _image_exists(root_tag):
        docker(
            "import",
            "--platform",
            f"linux/{DEBIAN_ARCH[arch]}",
            str(tarball),
            root_tag,
            timeout=600,
        )
    with tempfile.TemporaryDirectory() as context:
        for path in STANDIN.iterdir():
            shutil.copy2(path, context)
        shutil.copy(HOST_CA, Path(context) / "host-ca.crt")
        docker(
            "build",
            "--quiet",
            "--build-arg",
            f"ROOT_IMAGE={root_tag}",
            "-t",
            tag,
            context,
            timeout=600,
        )
    return tag


def emulation_options(arch: str) -> list[str]:
    """`docker run` options that let an emulated `arch` container behave like the real board."""
    if arch == NATIVE_ARCH:
        return []
    # qemu-user reads QEMU_CPU from the emulated process's environment.
    return ["-e", f"QEMU_CPU={EMULATED_CPU}", "-v", f"{EMULATED_CPUINFO}:/proc/cpuinfo:ro"]


@dataclass(frozen=True)
class BuiltImage:
    """An add-on image, what building it cost, and the options its containers run with."""

    tag: str
    arch: str
    build_seconds: float
    size_bytes: int

    @property
    def run_options(self) -> list[str]:
        """What `docker run` needs for this image on this machine (emulation settings, if any)."""
        return emulation_options(self.arch)


def build_addon(arch: str, *, timeout: float = 2400) -> BuiltImage:
    """`docker build addon/` for `arch` on the stand-in base, as the Supervisor's builder would."""
    base = standin_base(arch)
    tag = f"babblefish-addon-test:{arch}"
    # BABBLEFISH_IMAGE_NO_CACHE=1 measures a cold build (what a first install on a Pi costs).
    cold = ["--no-cache"] if os.environ.get("BABBLEFISH_IMAGE_NO_CACHE") == "1" else []
    started = time.monotonic()
    build = docker(
        "build", *cold, "--network", "host", "--build-arg", f"BUILD_FROM={base}",
        "--build-arg", f"BUILD_ARCH={arch}", "-t", tag, str(ROOT / "addon"), timeout=timeout,
    )  # fmt: skip
    seconds = time.monotonic() - started
    size = int(docker("image", "inspect", "--format", "{{.Size}}", tag).stdout)
    image = BuiltImage(tag, arch, seconds, size)
    # A build that reused the engine's layer cache says little about a cold build: count the steps.
    steps = build.stdout.count("\nStep ")
    cached = build.stdout.count("Using cache")
    record(f"{arch}_image", {"build_seconds": round(seconds, 1), "size_mb": round(size / 1e6, 1),
                             "steps": steps, "steps_from_cache": cached})  # fmt: skip
    return image


def record(key: str, figures: dict[str, Any]) -> None:
    """Merge `figures` under `key` into bench/out/addon_image.json, with when they were measured."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.is_file() else {}
    current[key] = {**figures, "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    # Shown with `pytest -s`; the file keeps them either way.
    print(f"addon image figures, {key}: {json.dumps(current[key])}")
    FIGURES.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")


class Container:
    """One container of an add-on image, removed when the test ends."""

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, image: str, *args: str, options: list[str] | None = None) -> None:
        """Start detached on the host network (the engine here runs without a bridge)."""
        docker("rm", "-f", self.name, check=False)
        docker(
            "run",
            "--detach",
            "--name",
            self.name,
            "--network",
            "host",
            *(options or []),
            image,
            *args,
        )

    def logs(self) -> str:
        """Everything the container wrote so far (stdout and stderr)."""
        result = docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def processes(self) -> list[str]:
        """The command lines running in the container, as the host sees them."""
        lines = docker("top", self.name, "-o", "pid,args").stdout.splitlines()[1:]
        return [line.split(None, 1)[1] for line in lines if len(line.split(None, 1)) == 2]

    def running(self) -> bool:
        """Whether the container is still up."""
        state = docker("inspect", "--format", "{{.State.Running}}", self.name, check=False)
        return state.stdout.strip() == "true"

    def stop(self, timeout_s: int = 30) -> int:
        """SIGTERM (docker stop), SIGKILL after `timeout_s`; returns the exit code."""
        docker("stop", "--time", str(timeout_s), self.name, timeout=timeout_s + 30)
        return int(docker("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout)

    def remove(self) -> None:
        """Remove the container whatever its state."""
        docker("rm", "-f", self.name, check=False)
