"""The local WeChat emulator a stack's `baseUrl` points at: start it if it is not answering, and
stop only the one this runner started.

Each emulator the runner starts is recorded in `.state/emulator-<port>.pid` (its pid and command
line); `stop` signals a process only if that record still matches a running `emulator serve` on
that port, so it never ends an emulator someone else started, or an unrelated process that
reused the pid.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from runner.env import PROJECT_DIR, RunnerError
from runner.state_repair import process_running

DEMO_SEED = PROJECT_DIR / "emulator" / "seeds" / "demo.yaml"
DEFAULT_PORT = 8787
LOOPBACK = ("127.0.0.1", "localhost")


class EmulatorError(RunnerError):
    """The emulator cannot be started or stopped as asked; the message says why."""


def is_up(base_url: str) -> bool:
    try:
        with urlopen(f"{base_url}/_emulator/health", timeout=2) as response:
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


def is_loopback(base_url: str) -> bool:
    parts = urlsplit(base_url)
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def loopback_port(base_url: str) -> int:
    if not is_loopback(base_url):
        raise EmulatorError(f"the stack's baseUrl is {base_url}: not a local emulator (only http://127.0.0.1:PORT "
                            "is started here)")
    return urlsplit(base_url).port or 80


def files(state_dir: Path, port: int) -> tuple[Path, Path, Path]:
    """(pid record, log, database) of the emulator on this port; 8787 keeps the historical names."""
    db = state_dir / ("emulator.sqlite3" if port == DEFAULT_PORT else f"emulator-{port}.sqlite3")
    return state_dir / f"emulator-{port}.pid", state_dir / f"emulator-{port}.log", db


def ensure_running(base_url: str, state_dir: Path) -> None:
    """Start `python -m emulator serve` detached on the baseUrl's port, with a file database.

    The demo seed is applied only when the database is new, so a demo keeps its state (an audit in
    progress, drift made through the control API) across restarts of the emulator.
    """
    if is_up(base_url):
        return
    port = loopback_port(base_url)
    pid_file, log_file, db = files(state_dir, port)
    command = [sys.executable, "-m", "emulator", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--db", str(db)]
    if not db.exists():
        command += ["--seed", str(DEMO_SEED)]
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log, stderr=log, start_new_session=True)
    pid_file.write_text(json.dumps({"pid": process.pid, "url": base_url, "command": command}), encoding="utf-8")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if is_up(base_url):
            print(f"started the WeChat emulator at {base_url} (log: {log_file})")
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise EmulatorError(f"the emulator did not start at {base_url}; see {log_file}")


def _recorded_process(pid_file: Path) -> tuple[int, str] | None:
    """(pid, url) if the record names a running `emulator serve` with the recorded command line."""
    try:
        record = json.loads(pid_file.read_text(encoding="utf-8"))
        pid, url, command = int(record["pid"]), str(record["url"]), [str(part) for part in record["command"]]
        running = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (pid, url) if [part.decode() for part in running if part] == command else None


def stop(state_dir: Path) -> list[str]:
    """Stop every emulator this runner started from this checkout; returns their URLs."""
    stopped = []
    for pid_file in sorted(state_dir.glob("emulator-*.pid")):
        found = _recorded_process(pid_file)
        if found is not None:
            pid, url = found
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not process_running(pid):
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
            stopped.append(url)
        pid_file.unlink(missing_ok=True)
    return stopped

