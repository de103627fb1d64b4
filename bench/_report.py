"""Statistics, Markdown tables, what the numbers were measured on, and bench/RESULTS.md."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _run_text(args: Sequence[str]) -> str:
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine() -> dict[str, str]:
    """What the numbers were measured on (and how busy it was when the bench started)."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = _status_meminfo("MemTotal")
    commit = _run_text(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = _run_text(["git", "status", "--porcelain", "--untracked-files=no"])
    from bench._harness import cli_dir

    pulumi_version = _run_text([str(cli_dir() / "pulumi"), "version"]) or "unknown"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": f"{os.cpu_count()} ({model or platform.machine()})",
        "memory": f"{memory / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "python": platform.python_version(),
        "pulumi": pulumi_version,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "load average (1, 5, 15 min) at start": load_average(),
        "os": f"{platform.system()} {platform.release()}",
    }


def _status_meminfo(key: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the 2 shared cores were."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_text(info: dict[str, str]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in info.items())


def report(title: str, body: str, info: dict[str, str], command: str, save: bool = True) -> None:
    """Print the section and append it to bench/RESULTS.md."""
    text = f"## {title}\n\n`{command}`\n\nMachine: {machine_text(info)}\n\n{body.rstrip()}\n"
    print("\n" + text)
    if save:
        header = "" if RESULTS.exists() else (
            "# Benchmark results\n\nAppended by the scripts in bench/ (newest last); see each section's "
            "command and machine line.\n\n")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(header + text + "\n")


def titled(title: str, env: dict[str, str] | None = None, parallel: int | None = None, latency_ms: float = 0.0,
           *notes: str) -> str:
    """A section title with the settings it was measured under (the command line has them too)."""
    if env:
        title += f" with {', '.join(f'{k}={v}' for k, v in env.items())}"
    if latency_ms:
        title += f", {latency_ms:g} ms per WeChat call"
    if parallel:
        title += f", --parallel {parallel}"
    return ", ".join([title, *notes])


def command_line() -> str:
    return " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
