"""The fault suite's commit/submission table, as Markdown: per scenario, per app and version.

Every test of tests/reliability and tests/e2e/test_faults* appends one JSON line to
$WECHAT_IAC_FAULT_TABLE (default .state/fault-suite-table.jsonl) after asserting that it made at
most one commit and one audit submission per app and version. This prints them:

    python -m tests.reliability.fault_table [FILE]

`commits` are commits that took effect (`sent`: requests, including refused ones), `submissions`
are audits submitted through the platform's API (another party's console submissions excluded).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from runner.env import PROJECT_DIR
from tests.reliability.support import TABLE_ENV


def render(lines: list[str]) -> str:
    rows = ["| scenario | app version | commits (sent) | submissions |", "|---|---|---|---|"]
    quiet = 0
    for line in lines:
        entry = json.loads(line)
        writes = entry["writes"]
        if not writes:
            quiet += 1
            continue
        name = entry["test"].split("::", 1)[-1]
        for key, counts in sorted(writes.items()):
            commits = f"{counts['commits']} ({counts['commits_sent']})"
            rows.append(f"| {name} | {key} | {commits} | {counts['submissions']} |")
    rows.append(f"\n{quiet} more tests made no commit and no submission.")
    worst = max((max(c["commits"], c["submissions"]) for entry in map(json.loads, lines)
                 for c in entry["writes"].values()), default=0)
    rows.append(f"Most commits or submissions of one version in one scenario: {worst}.")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else os.environ.get(TABLE_ENV) or PROJECT_DIR / ".state" / "fault-suite-table.jsonl")
    if not path.exists():
        print(f"no table at {path}: run the fault suite first (pytest -m faults)", file=sys.stderr)
        return 1
    print(render([line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
