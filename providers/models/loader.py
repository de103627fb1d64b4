"""Read spec files and report every problem in every file at once, as one `SpecError`.

Bad input never escapes as a traceback: YAML syntax errors, duplicate or non-text keys, alias bombs,
deep nesting, odd bytes and unknown tags all become `Problem`s with a file, a path and a line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from providers.models._base import Loc, SpecContext, SpecModel, show
from providers.models.problems import Problem, SpecError, problem_from_error, render_path, single_line
from providers.models.spec import MiniProgramSpec, valid_name

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000  # after expanding aliases: a spec has hundreds; this stops alias bombs
MAX_DEPTH = 64
MAX_PROBLEMS_PER_FILE = 200

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_KEY_KINDS = {
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}


class _Refused(Exception):
    """The document is too large, too deep or recursive; it is not constructed at all."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


class NestingError(yaml.scanner.ScannerError):
    """Raised while scanning, before PyYAML's quadratic work on thousands of open brackets."""


class SpecLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader plus checks on the node graph before any value is built.

    `check_graph()` rejects duplicate keys (all of them, with both lines), keys that are not text
    (`on:` is a boolean to YAML), recursive aliases, alias bombs and deep nesting, and records the
    line of every path so each problem can point at its line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[Loc, int] = {}

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise NestingError(None, None, f"nested more than {MAX_DEPTH} levels deep", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= MAX_DEPTH:
            raise NestingError(None, None, f"nested more than {MAX_DEPTH} levels deep", self.get_mark())
        return bool(super().add_indent(column))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # keys that are not text were reported by check_graph(); dropping them keeps paths textual
        mapping = super().construct_mapping(node, deep=deep)
        return {key: value for key, value in mapping.items() if isinstance(key, str)}

    def check_graph(self, root: yaml.Node) -> tuple[list[tuple[Loc, int, str]], bool]:
        """`([(path, line, message)], fatal)`; fatal problems mean the document must not be built."""
        try:
            self._measure(root, 0, {}, set())
        except _Refused as refused:
            return [((), refused.line, str(refused))], True
        found: list[tuple[Loc, int, str]] = []
        self._walk(root, (), set(), found)
        return found, False

    def _measure(
        self, node: yaml.Node, depth: int, memo: dict[int, tuple[int, int]], path: set[int]
    ) -> tuple[int, int]:
        """(expanded size, height) of a node, memoised so shared aliases cost nothing to revisit."""
        if id(node) in path:
            raise _Refused(node, "a YAML alias refers to itself (recursive data is not allowed)")
        if id(node) not in memo:
            if depth > MAX_DEPTH:
                raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep")
            path.add(id(node))
            size, height = 1, 1
            for child in _children(node):
                child_size, child_height = self._measure(child, depth + 1, memo, path)
                size, height = size + child_size, max(height, child_height + 1)
                if size > MAX_NODES:
                    raise _Refused(node, f"more than {MAX_NODES} values once aliases are expanded")
            path.discard(id(node))
            memo[id(node)] = (size, height)
        if depth + memo[id(node)][1] > MAX_DEPTH:
            raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep")
        return memo[id(node)]

    def _walk(self, node: yaml.Node, loc: Loc, seen: set[int], found: list[tuple[Loc, int, str]]) -> None:
        if id(node) in seen:
            return  # an alias: its content was checked where the anchor is
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*loc, index)] = item.start_mark.line + 1
                self._walk(item, (*loc, index), seen, found)
        elif isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == _MERGE_TAG:
                    self._walk(value_node, loc, seen, found)
                    continue
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                    found.append((loc, line, _key_message(key_node)))
                    continue
                key = key_node.value
                if key in first_line:
                    found.append(((*loc, key), line, f"duplicate key (first defined on line {first_line[key]})"))
                first_line.setdefault(key, line)
                self.lines[(*loc, key)] = line
                self._walk(value_node, (*loc, key), seen, found)

    def line_of(self, loc: Iterable[object]) -> int | None:
        """The line of the longest prefix of `loc` that the document has."""
        parts = tuple(loc)
        for end in range(len(parts), 0, -1):
            line = self.lines.get(parts[:end])  # type: ignore[arg-type]
            if line is not None:
                return line
        return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _key_message(key_node: yaml.Node) -> str:
    if not isinstance(key_node, yaml.ScalarNode):
        return "keys must be plain text, not lists or mappings"
    kind = _KEY_KINDS.get(key_node.tag, "something other than text")
    return f"the key {show(key_node.value)} is {kind} to YAML, not text: put it in quotes"


@dataclass
class _Parsed:
    """One file: its raw document (None if unreadable), its problems, and a path -> line index."""

    file: str | None
    data: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    loader: SpecLoader | None = None

    def line_of(self, loc: Iterable[object]) -> int | None:
        return self.loader.line_of(loc) if self.loader is not None else None

    def problem(self, loc: Loc, message: str, line: int | None = None) -> None:
        line = line if line is not None else self.line_of(loc)
        self.problems.append(Problem(self.file, render_path(loc), single_line(message), line))

    def sorted_problems(self) -> list[Problem]:
        """In file order (problems without a line first), capped so a hostile file stays readable."""
        problems = sorted(self.problems, key=lambda problem: problem.line or 0)
        if len(problems) > MAX_PROBLEMS_PER_FILE:
            hidden = len(problems) - MAX_PROBLEMS_PER_FILE
            problems = [
                *problems[:MAX_PROBLEMS_PER_FILE],
                Problem(self.file, "", f"... and {hidden} more problems"),
            ]
        return problems


def _parse(text: str, file: str | None) -> _Parsed:
    parsed = _Parsed(file)
    loader: SpecLoader | None = None
    try:
        loader = SpecLoader(text)
        node = loader.get_single_node()
        if node is None:
            parsed.problem((), "the file is empty; expected a mapping with appid and credentials")
            return parsed
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            message = f"expected a mapping of fields (appid: ..., credentials: ...), got {kind}"
            parsed.problem((), message, node.start_mark.line + 1)
            return parsed
        found, fatal = loader.check_graph(node)
        parsed.loader = loader
        for loc, line, message in found:
            parsed.problem(loc, message, line)
        if not fatal:
            data = loader.construct_document(node)
            if isinstance(data, dict):
                parsed.data = data
            else:  # a tagged root such as `!!set {a, b}` builds something else
                parsed.problem((), f"expected a mapping of fields, got a {type(data).__name__}", 1)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = ", ".join(part for part in (error.context, error.problem) if part)
        prefix = "YAML syntax error: "
        if isinstance(error, NestingError):
            prefix = ""
        elif isinstance(error, yaml.constructor.ConstructorError):
            prefix = "a YAML value cannot be built: "
        parsed.problem((), f"{prefix}{what}", mark.line + 1 if mark else None)
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        parsed.problem((), f"YAML cannot read this character: {error.reason}", line)
    except RecursionError:
        parsed.problem((), "nested too deeply to read")
    except Exception as error:  # hostile values (a date like 2024-99-99, bad base64) are Problems too
        parsed.problem((), f"a YAML value cannot be read: {error}")
    finally:
        if loader is not None:
            loader.dispose()
    return parsed


def _default_name(parsed: _Parsed, data: dict[str, Any], default_name: str | None) -> dict[str, Any]:
    if data.get("name") is not None or default_name is None:
        return data
    if valid_name(default_name):
        return {**data, "name": default_name}
    parsed.problem(
        ("name",),
        f"no name given, and the file name {show(default_name)} is not a valid name: "
        "add `name:` with lower-case letters, digits and '-'",
    )
    return data


def _validate(
    parsed: _Parsed,
    spec_dir: Path | None,
    default_name: str | None,
    model: type[SpecModel] = MiniProgramSpec,
    data: dict[str, Any] | None = None,
) -> Any:
    data = data if data is not None else parsed.data
    if data is None:
        return None
    data = _default_name(parsed, data, default_name)
    try:
        spec = model.model_validate(data, context=SpecContext(spec_dir=spec_dir).as_context())
    except ValidationError as error:
        for item in error.errors(include_url=False):
            parsed.problems.append(problem_from_error(item, parsed.file, line=parsed.line_of(item["loc"])))
        return None
    except RecursionError:
        parsed.problem((), "nested too deeply to validate")
        return None
    return None if parsed.problems else spec


def _load_one(
    text: str, file: str | os.PathLike[str] | None, spec_dir: Path | None
) -> tuple[MiniProgramSpec | None, _Parsed]:
    parsed = _parse(text, Path(file).as_posix() if file is not None else None)
    spec = _validate(parsed, spec_dir, Path(file).stem if file is not None else None)
    if spec is not None and file is not None:
        spec._source_file = Path(file)
    return spec, parsed


def _read(path: Path) -> tuple[str | None, Problem | None]:
    name = path.as_posix()
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, Problem(name, "", f"cannot read the file: {error.strerror or error}")
    if len(content) > MAX_FILE_BYTES:
        return None, Problem(name, "", f"the file is larger than {MAX_FILE_BYTES} bytes; a spec is far smaller")
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return None, Problem(name, "", f"not UTF-8 text (byte {error.start})", line)


def load_spec_text(
    text: str, *, file: str | os.PathLike[str] | None = None, spec_dir: Path | None = None
) -> MiniProgramSpec:
    """Validate one spec given as YAML text; `file` names it in problems and gives the default name."""
    spec, parsed = _load_one(text, file, spec_dir)
    if spec is None:
        raise SpecError(parsed.sorted_problems())
    return spec


def load_spec_file(path: str | os.PathLike[str]) -> MiniProgramSpec:
    """Load and validate one spec file; raises SpecError listing every problem."""
    return load_specs([path])[0]


def load_specs(paths: Iterable[str | os.PathLike[str]]) -> list[MiniProgramSpec]:
    """The mini-program specs among `paths` (platform specs are validated too, and skipped); raises one
    SpecError with the problems of all files and the conflicts between them (see `stack.load_stack`)."""
    from providers.models.stack import load_stack

    return load_stack(paths).miniprograms


def _identity(data: dict[str, Any] | None, path: Path) -> list[tuple[str, str]]:
    """The appid and name a file claims, read leniently so conflicts show even in broken files."""
    data = data or {}
    found = [("appid", data["appid"])] if isinstance(data.get("appid"), str) else []
    name = data.get("name")
    return [*found, ("name", name if isinstance(name, str) else path.stem)]


def find_spec_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The spec files in a directory (`*.yaml`, `*.yml`), sorted."""
    root = Path(directory)
    return sorted(path for pattern in ("*.yaml", "*.yml") for path in root.glob(pattern) if path.is_file())
