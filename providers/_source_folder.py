"""Local checks of a release's source folder (`release.source.path`), before anything is uploaded.

The folder comes from a spec in a pull request, so it is treated as hostile: the checks never hang,
never read without bound, and never leave the project.

- only regular files are read, opened non-blocking and checked again after opening (a FIFO named
  project.config.json would otherwise block `up` forever), at most `MAX_JSON_BYTES` each (a
  symlink to /dev/zero would otherwise read without end);
- every file the upload would take must be a regular file, or a symlink to one inside the project;
  anything else (FIFO, socket, device, a link leaving the project) is a problem listed by name;
- `miniprogramRoot` and every page must stay inside the project folder once resolved
  (`../../../../usr` is refused);
- `packOptions.ignore` rules of type `regexp` are matched with RE2 (linear time: `^(a+)+$` cannot
  backtrack), `glob` ones with fnmatch (no backtracking since Python 3.11's translate); a pattern
  RE2 cannot compile (look-arounds, back-references) is a problem, not a crash.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from providers._errors import RefusedError

# Package size limits, from the official subpackage page
# (https://developers.weixin.qq.com/miniprogram/dev/framework/subpackages.html, stored copy read):
# "整个小程序所有分包大小不超过 30M（服务商代开发的小程序不超过 20M）; 单个分包/主包大小不能超过 2M".
# Templates are code a 服务商 (third-party platform) develops, hence 20 MB there, 30 MB for owners.
# WeChat measures the *compiled* package; here the source files are measured (a proxy: compiling
# minifies, and adds babel helpers). UNCONFIRMED: whether "M" means 1024*1024 or 1000*1000 bytes.
MB = 1024 * 1024
PACKAGE_LIMIT = 2 * MB
TOTAL_LIMIT_THIRD_PARTY = 20 * MB
TOTAL_LIMIT_OWNER = 30 * MB
MAIN_PACKAGE = "__APP__"  # miniprogram-ci's name for the main package
MAX_JSON_BYTES = 2 * MB  # project.config.json, app.json, ext.json: far larger than any real one
MAX_PATTERN_CHARS = 1000  # one packOptions.ignore value
# miniprogram-ci's own default ignores (dist/config/config.js getDefaultIgnores)
_IGNORED_DIRS = frozenset({"node_modules", ".git", ".svn"})
_IGNORED_FILES = frozenset({".DS_Store"})


@dataclass
class SourceReport:
    """What the local checks found in a project folder (sizes are of the source files)."""

    path: Path
    appid: str
    pages: list[str]
    package_bytes: dict[str, int]  # MAIN_PACKAGE and each subpackage root
    total_bytes: int
    ext: dict[str, Any] | None
    files: dict[str, int] = field(default_factory=dict)  # path (relative to the code root) -> bytes
    warnings: list[str] = field(default_factory=list)


def inside(path: Path, root: Path) -> bool:
    """`path`, once every symlink is resolved, is `root` or below it (root resolved too)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def read_bounded(file: Path, root: Path, limit: int = MAX_JSON_BYTES) -> bytes | None:
    """A regular file's bytes (None: absent); RefusedError-worthy problems raise ValueError."""
    try:
        info = file.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode) and not inside(file, root):
        raise ValueError("is a symlink that leaves the project")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(file, flags)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return None  # a dangling symlink
        raise ValueError(f"cannot be opened ({error.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # checked on what was opened: no race
            raise ValueError("is not a regular file")
        data = os.read(fd, limit + 1)
        if len(data) > limit:
            raise ValueError(f"is larger than {limit // MB} MB")
        return data
    finally:
        os.close(fd)


def _read_json(file: Path, root: Path, problems: list[str], what: str) -> dict[str, Any] | None:
    try:
        raw = read_bounded(file, root)
        if raw is None:
            return None
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(f"{what} ({file}) is not valid JSON: {error}")
        return None
    except ValueError as error:
        problems.append(f"{what} ({file}) {error}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{what} ({file}) must hold a JSON object")
        return None
    return data


class IgnoreRules:
    """project.config.json `packOptions.ignore` (types folder, file, suffix, prefix, glob, regexp)."""

    def __init__(self, rules: Iterable[Any], problems: list[str]) -> None:
        self.rules: list[tuple[str, str, Any]] = []
        for index, rule in enumerate(rules):
            if not isinstance(rule, Mapping):
                continue
            kind, value = str(rule.get("type", "")), str(rule.get("value", "")).strip("/")
            if not value:
                continue
            where = f"project.config.json: packOptions.ignore[{index}]"
            if len(value) > MAX_PATTERN_CHARS:
                problems.append(f"{where}: the pattern is longer than {MAX_PATTERN_CHARS} characters")
                continue
            compiled = None
            if kind == "regexp":
                try:
                    compiled = re2.compile(value)
                except re2.error as error:
                    problems.append(f"{where}: {value!r} is not a regular expression this tool can match safely "
                                    f"(RE2 syntax: no look-arounds or back-references): {error}")
                    continue
            self.rules.append((kind, value, compiled))

    def ignored(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        for kind, value, compiled in self.rules:
            if (
                (kind == "folder" and (rel == value or rel.startswith(value + "/")))
                or (kind == "file" and rel == value)
                or (kind == "suffix" and name.endswith(value))
                or (kind == "prefix" and name.startswith(value))
                or (kind == "glob" and fnmatch.fnmatchcase(rel, value))
                or (kind == "regexp" and compiled.search(rel) is not None)
            ):
                return True
        return False


def _files(root: Path, project: Path, rules: IgnoreRules, problems: list[str]) -> Iterable[tuple[str, int]]:
    for directory, dirs, names in os.walk(root):  # never follows symlinked folders
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS)
        for name in sorted(names):
            if name in _IGNORED_FILES:
                continue
            file = Path(directory) / name
            rel = file.relative_to(root).as_posix()
            if rules.ignored(rel):
                continue
            try:
                info = file.lstat()
                if stat.S_ISLNK(info.st_mode):
                    if not inside(file, project):
                        problems.append(f"{rel} is a symlink that leaves the project folder")
                        continue
                    info = file.stat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{rel} is not a regular file (a FIFO, socket or device cannot be uploaded)")
                continue
            yield rel, info.st_size


def _subpackages(app: Mapping[str, Any], problems: list[str]) -> list[tuple[str, list[str]]]:
    raw = app.get("subpackages", app.get("subPackages")) or []
    if not isinstance(raw, list):
        problems.append("app.json: subpackages must be a list")
        return []
    out: list[tuple[str, list[str]]] = []
    for index, item in enumerate(raw):
        root = str(item.get("root", "")).strip("/") if isinstance(item, Mapping) else ""
        if not root:
            problems.append(f"app.json: subpackages[{index}] has no root")
            continue
        pages = item.get("pages") or []
        out.append((root, [str(page) for page in pages] if isinstance(pages, list) else []))
    return out


def human_size(size: int) -> str:
    return f"{size / MB:.2f} MB" if size >= MB // 10 else f"{size / 1024:.1f} KB"


def check_source_folder(path: str | os.PathLike[str], *, expected_appid: str, third_party: bool,
                        total_limit: int | None = None) -> SourceReport:
    """Check a mini-program project folder before any upload; raise RefusedError listing every problem.

    `expected_appid`: the appid project.config.json must name (platform: the development
    mini-program; owner: the mini-program itself). `third_party`: an ext.json is required (reference
    §6: miniprogram-ci's third-party mode needs a correct ext.json). Pure and local: no network.
    """
    folder = Path(path)
    limit = total_limit or (TOTAL_LIMIT_THIRD_PARTY if third_party else TOTAL_LIMIT_OWNER)
    if not folder.is_dir():
        raise RefusedError(f"source folder {folder} does not exist (or is not a folder); "
                           f"release.source.path is relative to the project directory")
    problems: list[str] = []
    config = _read_json(folder / "project.config.json", folder, problems, "project.config.json")
    if config is None:
        if not os.path.lexists(folder / "project.config.json"):
            problems.append(f"{folder} has no project.config.json: source.path must be the folder the "
                            f"WeChat DevTools open (the one holding project.config.json)")
        raise RefusedError(_problems(folder, problems))
    appid = str(config.get("appid", ""))
    if appid != expected_appid:
        whose = "the platform's development mini-program" if third_party else "this mini-program"
        problems.append(
            f"project.config.json says appid {appid or '(none)'!r}, but the upload goes to {whose}, "
            f"{expected_appid}: miniprogram-ci's key, IP allow-list and appid must all be {whose}'s; "
            f"set \"appid\": \"{expected_appid}\" in project.config.json"
        )
    code_root = folder / str(config.get("miniprogramRoot") or "")
    if not inside(code_root, folder):
        problems.append(f"project.config.json: miniprogramRoot {config.get('miniprogramRoot')!r} leads outside "
                        f"the project folder {folder}")
        raise RefusedError(_problems(folder, problems))
    pack = config.get("packOptions")
    rules = IgnoreRules(list((pack.get("ignore") or []) if isinstance(pack, Mapping) else []), problems)

    app = _read_json(code_root / "app.json", folder, problems, "app.json")
    pages: list[str] = []
    subpackages: list[tuple[str, list[str]]] = []
    if app is None:
        if not os.path.lexists(code_root / "app.json"):
            problems.append(f"no app.json in {code_root}: not a mini-program project")
    else:
        main_pages = app.get("pages") or []
        if not isinstance(main_pages, list) or not main_pages:
            problems.append("app.json has no pages (WeChat answers 85047 'pages empty')")
            main_pages = []
        subpackages = _subpackages(app, problems)
        pages = [str(page) for page in main_pages]
        pages += [f"{root}/{page}" for root, sub in subpackages for page in sub]
        for page in pages:
            base = code_root / page
            if not inside(base, code_root):
                problems.append(f"page {page}: leads outside the code root")
                continue
            if not any(base.with_name(base.name + ext).is_file() for ext in (".js", ".ts")):
                problems.append(f"page {page}: {page}.js (or .ts) is missing")
            if not base.with_name(base.name + ".wxml").is_file():
                problems.append(f"page {page}: {page}.wxml is missing")

    ext: dict[str, Any] | None = None
    warnings: list[str] = []
    ext_file = code_root / "ext.json"
    if third_party:
        ext = _read_json(ext_file, folder, problems, "ext.json")
        if ext is None and not os.path.lexists(ext_file):
            problems.append(
                f"no ext.json in {code_root}: a third-party platform template needs one "
                f"(miniprogram-ci third-party mode; see developers.weixin.qq.com/miniprogram/dev/devtools/ext.html); "
                f'add at least {{"extEnable": true, "extAppid": "<an authorized appid to debug with>"}}'
            )
        elif ext is not None:
            if ext.get("extEnable") is not True:
                problems.append('ext.json must have "extEnable": true, or miniprogram-ci does not treat '
                                "the project as a third-party platform template")
            if not ext.get("extAppid"):
                warnings.append("ext.json has no extAppid (the DevTools need one to debug the template)")

    sizes: dict[str, int] = {MAIN_PACKAGE: 0}
    roots = sorted((root for root, _ in subpackages), key=len, reverse=True)
    for root, _ in subpackages:
        sizes[root] = 0
    files = dict(_files(code_root, folder, rules, problems))
    for rel, size in files.items():
        package = next((root for root in roots if rel == root or rel.startswith(root + "/")), MAIN_PACKAGE)
        sizes[package] += size
    total = sum(sizes.values())
    for package, size in sizes.items():
        if size > PACKAGE_LIMIT:
            name = "the main package" if package == MAIN_PACKAGE else f"subpackage {package}"
            problems.append(
                f"{name} is {human_size(size)} of source files; WeChat's limit is 2 MB per package "
                f"(errcode 80051 at upload): move pages into subpackages or assets to a CDN"
            )
    if total > limit:
        problems.append(f"the whole project is {human_size(total)}; WeChat's limit with subpackages is "
                        f"{limit // MB} MB{' for third-party platform code' if third_party else ''}")
    if problems:
        raise RefusedError(_problems(folder, problems))
    return SourceReport(folder, appid, pages, sizes, total, ext, files, warnings)


def _problems(folder: Path, problems: list[str]) -> str:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"release source {folder} cannot be uploaded:\n{lines}"
