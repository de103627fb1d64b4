"""Property tests: hostile documents and random domains give Problems (never a traceback)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from spec_helpers import VALID

from providers.models import (
    MiniProgramSpec,
    SpecError,
    load_spec_text,
    normalise_domain,
    problems_from_validation_error,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAVY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # whole documents
FILE = "specs/fuzz.yaml"

FIELD_NAMES = [
    "appid", "name", "account", "credentials", "server_domains", "webview_domains", "testers",
    "developers", "profile", "categories", "privacy", "release", "mode", "request", "socket",
    "members", "nickname", "avatar", "signature", "first", "second", "version", "source",
    "template_id", "path", "owner_setting", "settings", "privacy_key", "gray_percentage",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["https://a.example.com", "wx2222222222222222", "platform", "UserInfo", "演示商城", "\u202e"]),
    st.dates(min_value=dt.date(1, 1, 1)),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)


def assert_located(error: SpecError, file: str | None) -> None:
    """Every problem names the file and a location; str() is exactly one line per problem."""
    assert error.problems
    for problem in error.problems:
        assert problem.file == file
        assert isinstance(problem.path, str)
        assert problem.message and "\n" not in problem.message
        assert str(problem).startswith(f"{file}: {problem.path or '(document)'}: ")
    assert len(str(error).splitlines()) == len(error.problems)


def load(text: str) -> None:
    try:
        load_spec_text(text, file=FILE)
    except SpecError as error:
        assert_located(error, FILE)


@FAST
@given(st.text(max_size=300))
def test_any_text_yields_a_spec_or_problems(text: str) -> None:
    load(text)


yaml_words = st.sampled_from(
    [": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a ", "<<: ", "!!str ", "!!int ", "!!set ", "? ", "|\n", ">\n",
     "---\n", "...\n", "\n", "  ", "\t", "'", '"', "#", "appid", "wx2222222222222222", "on", "~", "2024-13-45",
     "!!binary ", "!!python/object ", "%YAML 1.1\n", "\\x00", "\u3000"]
)  # fmt: skip


@FAST
@given(st.lists(yaml_words, max_size=40).map("".join))
def test_yaml_shaped_noise_yields_a_spec_or_problems(text: str) -> None:
    load(text)


def dump(document: Any) -> str:
    try:
        return yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
        raise


@HEAVY
@given(st.dictionaries(keys, junk, max_size=8))
def test_random_documents_yield_problems_with_paths(document: dict[str, Any]) -> None:
    load(dump(document))


ROOT_TAGS = ["!!set", "!!omap", "!!pairs", "!!str", "!!map", "!!seq", "!!binary", "!!timestamp", "!!null", "!custom"]


@HEAVY
@given(st.sampled_from(ROOT_TAGS), st.sampled_from(["", "a: ", "- "]), st.dictionaries(keys, junk, max_size=4))
def test_tagged_documents_yield_problems(tag: str, lead: str, document: dict[str, Any]) -> None:
    load(f"{tag} {lead}" + dump(document).replace("\n", "\n  "))


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths_of(child, (*prefix, index))
    return found


VALID_PATHS = paths_of(VALID)


@HEAVY
@given(st.lists(st.tuples(st.sampled_from(VALID_PATHS), junk), min_size=1, max_size=4))
def test_a_valid_spec_with_random_damage_yields_located_problems(damage: list[tuple[tuple[Any, ...], Any]]) -> None:
    document = copy.deepcopy(VALID)
    for path, value in damage:
        target = document
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    load(dump(document))
    # the providers' path: the same data straight into the model raises only ValidationError
    try:
        MiniProgramSpec.model_validate(document)
    except ValidationError as error:
        for problem in problems_from_validation_error(error, None, prefix=("spec",)):
            assert problem.path.startswith("spec") and problem.message


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.sampled_from(["[", "{a: ", "- "]))
def test_deep_nesting_yields_problems(depth: int, opener: str) -> None:
    closer = {"[": "]", "{a: ": "}", "- ": ""}[opener]
    load("appid: " + opener * depth + "x" * (opener == "- ") + closer * depth)


SCHEMES = ["https", "wss", "udp", "tcp"]
hosts = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[a-zA-Z0-9-]{1,10}(\.[a-zA-Z0-9-]{1,10}){0,3}", fullmatch=True),
    st.ip_addresses().map(str),
    st.sampled_from(["api.weixin.qq.com", "例子.中国", "[::1]", "a..b", "x" * 300, "ＡＰＩ.example.com"]),
)
domains = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, port, tail: f"{scheme}://{host}{port}{tail}",
        st.sampled_from([*SCHEMES, "http", "HTTPS", "ftp", ""]),
        hosts,
        st.sampled_from(["", ":443", ":0", ":99999", ":x", ":"]),
        st.sampled_from(["", "/", "/path", "?q", "#f", "@x"]),
    ),
)
NORMAL = re.compile(r"(https|wss|udp|tcp)://[a-z0-9.-]+(:[1-9][0-9]{0,4})?")


@settings(max_examples=300, deadline=None)
@given(domains, st.sampled_from(SCHEMES), st.booleans())
def test_random_domains_are_refused_or_normalised(value: str, scheme: str, allow_port: bool) -> None:
    try:
        normal = normalise_domain(value, scheme=scheme, allow_port=allow_port)
    except ValueError as error:
        assert str(error)
        return
    assert NORMAL.fullmatch(normal) and normal.startswith(f"{scheme}://")
    assert normalise_domain(normal, scheme=scheme, allow_port=allow_port) == normal  # idempotent
    assert allow_port or ":" not in normal.removeprefix(f"{scheme}://")


@FAST
@given(st.lists(domains, max_size=8), st.lists(domains, max_size=4))
def test_random_domain_lists_in_a_spec_yield_located_problems(request: list[str], socket: list[str]) -> None:
    document = {
        "appid": "wx2222222222222222",
        "credentials": {"mode": "owner", "app_secret_config": "appSecret"},
        "server_domains": {"request": request, "socket": socket},
        "webview_domains": {"domains": request},
    }
    try:
        spec = load_spec_text(dump(document), file=FILE)
    except SpecError as error:
        assert_located(error, FILE)
        assert all(
            problem.path.startswith(("server_domains.", "webview_domains.")) or problem.path == ""
            for problem in error.problems
        )
        return
    assert spec.server_domains is not None
    assert spec.server_domains.request == sorted(set(spec.server_domains.request))
