"""Hostile spec files through the real program path (`pulumi preview`): a clear validation error
naming the file and the path of each problem, never a traceback, never a call to WeChat.

The models' own property tests (tests/unit/models/test_models_properties.py) fuzz the loader
in-process; here whole files go through the CLI, the language host and the program, as a pull
request's spec change would in CI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pulumi import automation as auto

from emulator.testing import EmulatorControl
from tests.reliability.support import (
    PLATFORM_CREDENTIALS,
    Loopback,
    fault_stack,
    loopback_only,  # noqa: F401  (fixture)
    spec_text,
)

pytestmark = [pytest.mark.e2e, pytest.mark.faults, pytest.mark.usefixtures("loopback_only")]

INJECTIONS = [
    "https://a.com\n- evil", "https://a.com/../", "https://a.com/%2e%2e/", "https://a.com;rm -rf /",
    "https://$(touch /tmp/wechat-iac-pwned).com", "https://`id`.com", "https://a.com|cat /etc/passwd",
    "https://a.com && curl evil.example", "' OR 1=1 --", "https://user:pass@a.com", "javascript:alert(1)",
    "file:///etc/passwd", "https://a.com/?x=<script>", "https://a.com#frag", "https://a.com\r\nHost: evil",
]
UNICODE = [
    "https://аpi.shop.example.com",  # Cyrillic а
    "https://api.shop\u202e.example.com",  # right-to-left override
    "https://api\u200b.shop.example.com",  # zero-width space
    "https://api。shop。example。com",  # ideographic full stops
    "https://api.shop.example.com\u0000",
    "https://😀.example.com",
    "https://" + "a" * 300 + ".com",
]


def hostile_files(marker: Path) -> dict[str, str]:
    ok = {"appid": "wx2222222222222222", "credentials": PLATFORM_CREDENTIALS}
    return {
        "wrong-types.yaml": spec_text({
            "server_domains": "https://api.shop.example.com",
            "webview_domains": {"domains": 5},
            "release": ["1.0.0"],
        }),
        "huge-list.yaml": spec_text({"server_domains": {
            "request": [f"https://api{i}.shop.example.com" for i in range(5000)],
        }}),
        "unicode.yaml": spec_text({"server_domains": {"request": UNICODE}}),
        "injection.yaml": spec_text({"server_domains": {"request": INJECTIONS},
                                     "webview_domains": {"domains": INJECTIONS[:3]}}),
        "duplicate-keys.yaml": yaml.safe_dump(ok) + "appid: wx3333333333333333\nserver_domains: {request: []}\n"
                                                    "server_domains: {socket: []}\n",
        "python-tag.yaml": yaml.safe_dump(ok) + f"name: !!python/object/apply:os.system ['touch {marker}']\n",
        "alias-bomb.yaml": yaml.safe_dump(ok) + "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
            f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(8)),
        "not-a-mapping.yaml": "- appid: wx2222222222222222\n- credentials: {}\n",
        "bad-yaml.yaml": "appid: wx2222222222222222\nserver_domains: {request: [https://a.com\n",
        "binary.yaml": "appid: wx2222222222222222\nname: \udcff\udcfe\n",  # written as invalid UTF-8
    }


def write_specs(stack: Any, files: dict[str, str]) -> None:
    folder = Path(stack.project_dir) / "specs"
    for old in folder.glob("*.yaml"):
        old.unlink()
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8", errors="surrogateescape"))


def failed_preview(stack: Any) -> str:
    with pytest.raises(auto.CommandError) as failure:
        stack.preview()
    return str(failure.value) + "\n" + stack.text()


def assert_located(text: str, names: list[str]) -> None:
    assert "Traceback" not in text, text
    for name in names:
        # `<file>: <dotted path or (document)>: <message>`, one line per problem
        assert re.search(rf"{re.escape(name)}: (\(document\)|[\w.\[\]-]+)(:| \(line)", text), \
            f"no located problem for {name} in:\n{text[-4000:]}"


def test_hostile_files_are_refused_with_file_and_path(
    make_stack: Any, emu: EmulatorControl, loopback_only: Loopback, tmp_path: Path,  # noqa: F811
) -> None:
    marker = tmp_path / "the-tag-ran"
    files = hostile_files(marker)
    stack = fault_stack(make_stack, emu, loopback_only, {"placeholder.yaml": ""})
    write_specs(stack, files)
    text = failed_preview(stack)
    assert "invalid spec" in text, text[-3000:]
    assert_located(text, list(files))
    for expected in ("injection.yaml: server_domains.request[0]", "unicode.yaml: server_domains.request[0]",
                     "huge-list.yaml: server_domains.request", "wrong-types.yaml: server_domains",
                     "duplicate-keys.yaml: appid", "duplicate-keys.yaml: server_domains"):
        assert expected in text, f"{expected!r} missing:\n{text[-4000:]}"
    assert not marker.exists(), "a YAML tag ran code"
    assert emu.calls() == [], "a bad spec must stop the run before any API call"


# A generated spec is made hostile in one place where no value of the kind drawn can be valid.
FORBIDDEN = st.sampled_from(["\n", " ", ";", "$(", "`", "|", "\u202e", "\x00", "/../", "\\"])
hostile_domain = st.builds(lambda a, bad, b: f"https://{a}{bad}{b}.example.com",
                           st.text(alphabet="abc-", max_size=5), FORBIDDEN, st.text(max_size=8))
wrong_type = st.one_of(st.integers(), st.floats(allow_nan=True), st.booleans(),
                       st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2))


@st.composite
def hostile_document(draw: Any) -> tuple[str, str]:
    """(YAML text, the dotted path that must be reported)."""
    where = draw(st.sampled_from(["request", "socket", "download", "webview", "appid", "credentials", "version"]))
    domains = draw(st.lists(hostile_domain, min_size=1, max_size=3))
    blocks: dict[str, Any] = {"server_domains": {"request": ["https://api.shop.example.com"]}}
    document: dict[str, Any] = {"appid": "wx2222222222222222", "credentials": dict(PLATFORM_CREDENTIALS)}
    if where in ("request", "socket", "download"):
        blocks["server_domains"][where] = domains
        path = f"server_domains.{where}[0]"
    elif where == "webview":
        blocks["webview_domains"] = {"domains": domains}
        path = "webview_domains.domains[0]"
    elif where == "appid":
        document["appid"] = draw(st.one_of(wrong_type, st.text(max_size=20).filter(lambda s: not s.startswith("wx"))))
        path = "appid"
    elif where == "credentials":
        document["credentials"] = {**PLATFORM_CREDENTIALS, "mode": draw(st.text(max_size=10).filter(
            lambda s: s not in ("platform", "owner", "command")))}
        path = "credentials"
    else:
        blocks["release"] = {"version": draw(wrong_type), "source": {"template_id": 1}}
        path = "release"
    return yaml.safe_dump({**document, **blocks}, allow_unicode=True), path


@settings(max_examples=2, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(batch=st.lists(hostile_document(), min_size=5, max_size=5))
def test_generated_hostile_files_through_one_preview(
    batch: list[tuple[str, str]], make_stack: Any, emu: EmulatorControl, loopback_only: Loopback,  # noqa: F811
) -> None:
    """Five generated hostile files per `pulumi preview` (a CLI run costs seconds, so few examples,
    each a batch): every file is reported with its path; no traceback; no API call."""
    stack = fault_stack(make_stack, emu, loopback_only, {"placeholder.yaml": ""})
    emu.clear_calls()
    files = {f"generated-{index}.yaml": text for index, (text, _path) in enumerate(batch)}
    write_specs(stack, files)
    text = failed_preview(stack)
    assert_located(text, list(files))
    for index, (_text, path) in enumerate(batch):
        assert f"generated-{index}.yaml: {path}" in text, f"generated-{index}.yaml: {path} missing:\n{text[-4000:]}"
    assert emu.calls() == []
