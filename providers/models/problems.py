"""Problems with a spec: where (file, dotted path, line) and what; `SpecError` holds them all."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_FRIENDLIER = {
    "missing": "required field is missing",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping",
}


@dataclass(frozen=True)
class Problem:
    """One problem. `path` is dotted (`server_domains.request[1]`); "" means the document itself."""

    file: str | None
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        text = f"{self.path or '(document)'}: {self.message}"
        if self.line is not None:
            text += f" (line {self.line})"
        return f"{self.file}: {text}" if self.file else text


class SpecError(ValueError):
    """Every problem found in one or more spec files; `str()` is one line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def render_path(loc: Iterable[object]) -> str:
    """`("server_domains", "request", 1)` -> `server_domains.request[1]`; odd keys are quoted."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{_quote(str(part))}]"
    return text


def _quote(key: str) -> str:
    """A JSON-style quoted key, readable for Chinese, escaped for anything unprintable."""
    quoted = json.dumps(key, ensure_ascii=False)
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in quoted)


def single_line(text: str, limit: int = 500) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def problems_from_validation_error(
    error: ValidationError, file: str | os.PathLike[str] | None, *, prefix: Sequence[str | int] = ()
) -> list[Problem]:
    """One Problem per pydantic error, with a dotted path (optionally under `prefix`).

    Providers' `check()` turns each into `CheckFailure(problem.path, problem.message)`; pass
    `prefix=("spec",)` to get `spec.request[1]` and `spec[0].first` for list-shaped blocks.
    """
    name = os.fspath(file) if file is not None else None
    return [problem_from_error(item, name, prefix=prefix) for item in error.errors(include_url=False)]


def problem_from_error(
    item: ErrorDetails, file: str | None, *, prefix: Sequence[str | int] = (), line: int | None = None
) -> Problem:
    """One pydantic error as a Problem: dotted path, friendlier wording, one line of text."""
    message = _FRIENDLIER.get(item["type"], item["msg"])
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    return Problem(file, render_path((*prefix, *item["loc"])), single_line(message), line)
