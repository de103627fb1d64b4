"""Build and run the WxJava driver (this folder's Maven project) for tests/contract/test_wxjava_flow.py.

`build_driver()` compiles it once per content: the build goes to
`${WECHAT_IAC_CACHE:-${XDG_CACHE_HOME:-~/.cache}/wechat-iac}/wxjava/<sha256 of pom.xml and src/>`
(outside the checkout; Maven's own repository stays ~/.m2), under a file lock so concurrent
runs on one machine build once. Java 17+ and Maven must be installed: without them the test fails
with what to install, never skips. `WxJava` is the running driver: one JSON line in, one out.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from wechat.redact import register_secret, scrub

PROJECT = Path(__file__).resolve().parent
POM = PROJECT / "pom.xml"
MAIN_CLASS = "wechatiac.wxjava.Driver"
BUILD_TIMEOUT = 480  # below pytest-timeout; a cold ~/.m2 (47 MB to download) built in 30 s here
STEP_TIMEOUT = 60.0
INSTALL_HINT = "install a JDK 17+ and Maven 3.8+ (Debian: apt-get install openjdk-17-jdk-headless maven)"


def _pinned_version() -> str:
    match = re.search(r"<wxjava\.version>([^<]+)</wxjava\.version>", POM.read_text(encoding="utf-8"))
    if match is None:
        raise RuntimeError(f"{POM} pins no <wxjava.version>")
    return match[1]


WXJAVA_VERSION = _pinned_version()


def _cache_root() -> Path:
    base = os.environ.get("WECHAT_IAC_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wechat-iac")
    return Path(base) / "wxjava"


def _content_hash() -> str:
    digest = hashlib.sha256()
    for path in [POM, *sorted((PROJECT / "src").rglob("*"))]:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _command(build: Path) -> list[str] | None:
    classpath = build / "classpath.txt"
    if not (classpath.is_file() and (build / "classes" / "wechatiac" / "wxjava" / "Driver.class").is_file()):
        return None
    return ["java", "-cp", os.pathsep.join([str(build / "classes"), classpath.read_text(encoding="utf-8").strip()]),
            MAIN_CLASS]


def build_driver() -> list[str]:
    """The `java ...` command that runs the driver, building it first if this content never was."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the WxJava contract test needs {' and '.join(missing)} on PATH: {INSTALL_HINT}", pytrace=False)
    root = _cache_root()
    build = root / _content_hash()
    command = _command(build)
    if command is not None:
        return command
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be building the same thing
        command = _command(build)
        if command is not None:
            return command
        staging = root / f"{build.name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        mvn = ["mvn", "-q", "-B", "-f", str(POM), f"-Dwxjava.build.dir={staging}", "process-classes"]
        try:
            done = subprocess.run(mvn, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.fail(f"building the WxJava driver took over {BUILD_TIMEOUT} s: `{' '.join(mvn)}` "
                        "(is Maven Central reachable?)", pytrace=False)
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            pytest.fail(f"building the WxJava driver failed (mvn exit {done.returncode}):\n{tail}", pytrace=False)
        staging.rename(build)
    command = _command(build)
    assert command is not None, f"mvn succeeded but {build} lacks the classes or classpath.txt"
    return command


class WxJavaError(RuntimeError):
    """The driver died, hung, or answered something that is not its protocol."""


class WxJava:
    """A running driver. `driver("step", **arguments)` returns its JSON answer for that step."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        for name in ("WXJAVA_COMPONENT_SECRET", "WXJAVA_VERIFY_TICKET", "WXJAVA_REFRESH_TOKEN"):
            register_secret(env.get(name))
        self._proc = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        self._answers: queue.Queue[str | None] = queue.Queue()
        # WxJava's warnings, tokens in URLs included: scrub before showing.
        self.stderr: deque[str | None] = deque(maxlen=60)
        threading.Thread(target=self._pump, args=(self._proc.stdout, self._answers.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self._proc.stderr, self.stderr.append), daemon=True).start()
        self.ready = self._read("ready")

    @staticmethod
    def _pump(stream: Any, sink: Any) -> None:
        for line in stream:
            sink(line.rstrip("\n"))
        sink(None)  # end of stream: a reader waiting for an answer learns the driver is gone

    def __call__(self, step: str, **arguments: Any) -> dict[str, Any]:
        if self._proc.poll() is not None:
            raise self._error(f"the driver exited ({self._proc.returncode}) before step {step!r}")
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"step": step, **arguments}, ensure_ascii=False) + "\n")
        self._proc.stdin.flush()
        return self._read(step)

    def _read(self, step: str) -> dict[str, Any]:
        try:
            line = self._answers.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            raise self._error(f"no answer to step {step!r} within {STEP_TIMEOUT:.0f} s") from None
        if line is None:
            raise self._error(f"the driver closed its output during step {step!r}")
        answer: dict[str, Any] = json.loads(line)
        if answer.get("step") != step:
            raise self._error(f"asked for step {step!r}, got {scrub(line)[:300]}")
        return answer

    def _error(self, message: str) -> WxJavaError:
        return WxJavaError(message + "\nstderr (scrubbed):\n" + scrub("\n".join(line for line in self.stderr if line)))

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()  # end of input: the driver's loop ends
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(10)

    def __enter__(self) -> WxJava:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
