"""Start the local WeChat emulator for the dev stack if it is not already answering."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from runner.env import PROJECT_DIR

DEMO_SEED = PROJECT_DIR / "emulator" / "seeds" / "demo.yaml"


def is_up(base_url: str) -> bool:
    try:
        with urlopen(f"{base_url}/_emulator/health", timeout=2) as response:
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


def ensure_running(base_url: str, state_dir: Path) -> None:
    """Start `python -m emulator serve` detached, with a file database under the state folder.

    The demo seed is applied only when the database is new, so a demo keeps its state (an audit in
    progress, drift made through the control API) across restarts of the emulator.
    """
    if is_up(base_url):
        return
    parts = urlsplit(base_url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"the emulator at {base_url} is not answering, and only a loopback one is started here")
    db = state_dir / "emulator.sqlite3"
    command = [
        sys.executable, "-m", "emulator", "serve",
        "--host", "127.0.0.1", "--port", str(parts.port or 80), "--db", str(db),
    ]
    if not db.exists():
        command += ["--seed", str(DEMO_SEED)]
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "emulator.log", "ab") as log:
        subprocess.Popen(command, cwd=PROJECT_DIR, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if is_up(base_url):
            print(f"started the WeChat emulator at {base_url} (log: {state_dir / 'emulator.log'})")
            return
        time.sleep(0.2)
    raise SystemExit(f"the emulator did not start; see {state_dir / 'emulator.log'}")
