"""A stack's spec files: mini-program specs and platform specs (`kind: platform`), checked together.

Every file is read and parsed first; platform specs are validated before mini-program specs, so a
mini-program spec can name its platform (`platform: NAME`) and inherit, in credentials mode
`platform`, the platform's component appid, component secret key and verify ticket source. A
mini-program spec that names no platform is linked to the platform spec with the same
`component_appid`, if there is one. Problems of all files (and conflicts between files: the same
appid, component appid or name twice, a platform that does not exist) come back as one SpecError.

A platform a mini-program names but the given files do not include is looked for beside that
mini-program's file (so `check specs/shop.yaml` works alone). Such a platform lends its credentials
and nothing else: it is in `referenced`, not in `platforms`, so the stack does not manage it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.models.loader import _identity, _parse, _Parsed, _read, _validate, find_spec_files
from providers.models.platform import PLATFORM_KIND, PlatformSpec
from providers.models.problems import Problem, SpecError
from providers.models.spec import MiniProgramSpec


@dataclass
class StackSpecs:
    """The validated specs of one stack: its platforms and its mini-programs."""

    platforms: list[PlatformSpec] = field(default_factory=list)
    miniprograms: list[MiniProgramSpec] = field(default_factory=list)
    referenced: list[PlatformSpec] = field(default_factory=list)  # found beside a file; not managed

    def platform_of(self, spec: MiniProgramSpec) -> PlatformSpec | None:
        """The platform a mini-program spec names, or the one with its component appid."""
        if spec.platform is not None:
            return next((p for p in self.platforms if p.name == spec.platform), None)
        component = getattr(spec.credentials, "component_appid", None)
        if spec.credentials.mode != "platform" or component is None:
            return None
        return next((p for p in self.platforms if p.component_appid == component), None)

    def miniprograms_of(self, platform: PlatformSpec) -> list[MiniProgramSpec]:
        return [spec for spec in self.miniprograms if self.platform_of(spec) is platform]


@dataclass
class _File:
    path: Path
    parsed: _Parsed
    kind: str  # "platform" | "miniprogram" | "" (unreadable or an unknown kind)


def load_stack(paths: Iterable[str | os.PathLike[str]]) -> StackSpecs:
    """Load every file; raise one SpecError listing the problems of all files and between them."""
    problems: list[Problem] = []
    files: list[_File] = []
    for path in map(Path, paths):
        text, unreadable = _read(path)
        if text is None:
            problems += [unreadable] if unreadable is not None else []
            continue
        parsed = _parse(text, path.as_posix())
        files.append(_File(path, parsed, _kind_of(parsed)))

    stack = StackSpecs()
    claimed: dict[tuple[str, str], str] = {}  # ("appid" | "component_appid" | "name", value) -> first file
    broken_platforms: set[str] = set()  # platforms named by a file that did not validate
    stack.platforms = _platforms(files, broken_platforms)
    beside = _beside(files, {spec.name for spec in stack.platforms} | broken_platforms)
    stack.referenced = _platforms(beside, broken_platforms)
    files += beside
    platforms = {spec.name: spec for spec in [*stack.platforms, *stack.referenced]}
    for item in (f for f in files if f.kind == "miniprogram"):
        data = _link_platform(item.parsed, platforms, broken_platforms)
        spec = _validate(item.parsed, item.path.parent, item.path.stem, MiniProgramSpec, data)
        if spec is not None:
            spec._source_file = item.path
            stack.miniprograms.append(spec)
    for item in files:
        found = item.parsed.sorted_problems()
        for field_name, value in _claims(item):
            first = claimed.setdefault((field_name, value), item.path.as_posix())
            if first != item.path.as_posix():
                line = item.parsed.line_of((field_name,))
                found.append(Problem(item.path.as_posix(), field_name, f"{value} is also declared in {first}", line))
        problems += found
    if problems:
        raise SpecError(problems)
    return stack


def _platforms(files: list[_File], broken: set[str]) -> list[PlatformSpec]:
    found = []
    for item in (f for f in files if f.kind == PLATFORM_KIND):
        spec = _validate(item.parsed, item.path.parent, item.path.stem, PlatformSpec)
        if spec is None:
            broken.add(str((item.parsed.data or {}).get("name") or item.path.stem))
            continue
        spec._source_file = item.path
        found.append(spec)
    return found


def _beside(files: list[_File], known: set[str]) -> list[_File]:
    """Platform spec files beside the mini-program files that name a platform the files lack."""
    wanted: dict[Path, set[str]] = {}
    for item in files:
        name = (item.parsed.data or {}).get("platform") if item.kind == "miniprogram" else None
        if isinstance(name, str) and name not in known:
            wanted.setdefault(item.path.parent, set()).add(name)
    loaded = {item.path.resolve() for item in files}
    found = []
    for folder, names in wanted.items():
        for path in find_spec_files(folder):
            if path.resolve() in loaded:
                continue
            text, _unreadable = _read(path)
            parsed = _parse(text, path.as_posix()) if text is not None else None
            if parsed is None or _kind_of(parsed) != PLATFORM_KIND:
                continue
            data = parsed.data or {}
            if (data.get("name") if isinstance(data.get("name"), str) else path.stem) in names:
                found.append(_File(path, parsed, PLATFORM_KIND))
    return found


def _kind_of(parsed: _Parsed) -> str:
    if parsed.data is None:
        return ""
    kind = parsed.data.get("kind")
    if kind is None:
        return "miniprogram"
    if kind == PLATFORM_KIND:
        return PLATFORM_KIND
    parsed.problem(("kind",), "must be 'platform' (a platform spec); mini-program specs have no kind")
    return ""


def _claims(item: _File) -> list[tuple[str, str]]:
    data = item.parsed.data or {}
    if item.kind == PLATFORM_KIND:
        found = [("component_appid", data["component_appid"])] if isinstance(data.get("component_appid"), str) else []
        name = data.get("name")
        return [*found, ("name", name if isinstance(name, str) else item.path.stem)]
    return _identity(data, item.path) if item.kind else []


def _link_platform(
    parsed: _Parsed, platforms: dict[str, PlatformSpec], broken: set[str]
) -> dict[str, Any] | None:
    """The mini-program's raw data with the named platform's credentials filled in (mode platform)."""
    data = parsed.data
    if data is None:
        return None
    name = data.get("platform")
    if not isinstance(name, str):
        return data  # absent, or the wrong type (reported by the model)
    platform = platforms.get(name)
    if platform is None:
        if name not in broken:
            known = ", ".join(sorted(platforms)) or "none"
            parsed.problem(("platform",), f"no platform spec named {name!r} among the stack's files "
                                          f"(platform specs found: {known}); a platform spec is a "
                                          "file with `kind: platform` beside this one")
        return data
    credentials = data.get("credentials")
    if not isinstance(credentials, dict) or credentials.get("mode") != "platform":
        return data
    given = credentials.get("component_appid")
    if given is not None and given != platform.component_appid:
        parsed.problem(("credentials", "component_appid"),
                       f"is not the component appid of platform {name!r} ({platform.component_appid})")
        return data
    inherited = platform.credentials.inherited(platform.component_appid)
    if any(credentials.get(key) is not None for key in ("verify_ticket_config", "verify_ticket_file",
                                                       "verify_ticket_env")):
        inherited = {key: value for key, value in inherited.items() if not key.startswith("verify_ticket")}
    return {**data, "credentials": {**inherited, **credentials}}
