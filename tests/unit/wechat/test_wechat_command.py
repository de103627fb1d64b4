"""CommandTokenSource runs a real subprocess (the credential_process pattern)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from wechat_fakes import APPID, OWNER_SECRET, FakeWeChat

from wechat import CommandTokenSource, MiniProgramClient, OwnerTokenSource, TokenCommandError, TokenError

MakeClient = Callable[..., MiniProgramClient]
TOKEN = "cmdtoken-wx_test_app-5e6f7a8b9c0d"


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _counting_command(runs: Path) -> list[str]:
    # Appends a line per run and prints a token built from the appid it was given.
    return _py(
        "import json, os\n"
        f"open({str(runs)!r}, 'a').write('run\\n')\n"
        "print(json.dumps({'access_token': 'cmdtoken-' + os.environ['WECHAT_IAC_APPID'] + '-5e6f7a8b9c0d',"
        " 'expires_in': 7200}))\n")


def test_token_from_command_is_used_and_cached(tmp_path: Path, make_client: MakeClient,
                                               fake: FakeWeChat) -> None:
    fake.valid.add(TOKEN)
    runs = tmp_path / "runs"
    client = make_client(CommandTokenSource(_counting_command(runs), APPID))
    client.get_page()
    client.get_page()
    assert runs.read_text() == "run\n"
    assert client.stats.token_fetches == {"command": 1}
    assert [r.url.params["access_token"] for r in fake.requests] == [TOKEN, TOKEN]


def test_rejected_command_token_reruns_the_command_once(tmp_path: Path, make_client: MakeClient,
                                                        fake: FakeWeChat) -> None:
    runs = tmp_path / "runs"
    client = make_client(CommandTokenSource(_counting_command(runs), APPID))  # the fake never accepts it
    with pytest.raises(TokenError):
        client.get_page()
    assert runs.read_text() == "run\nrun\n"
    assert fake.count("wxa/get_page") == 2


def _error(make_client: MakeClient, argv: list[str], timeout: float = 30.0) -> str:
    client = make_client(CommandTokenSource(argv, APPID, timeout=timeout))
    with pytest.raises(TokenCommandError) as info:
        client.get_page()
    return str(info.value)


def test_failing_command_reports_status_and_scrubbed_stderr(make_client: MakeClient) -> None:
    OwnerTokenSource(APPID, OWNER_SECRET)  # registers the secret, as a configured source would
    code = f"import sys; sys.stderr.write('login failed for secret {OWNER_SECRET}\\n'); sys.exit(3)"
    text = _error(make_client, _py(code))
    name = Path(sys.executable).name
    assert text.startswith(f"token command {name!r} for wx_test_app exited with status 3")
    assert "stderr ends with: login failed for secret ***" in text
    assert OWNER_SECRET not in text


def test_garbage_output_is_not_echoed(make_client: MakeClient) -> None:
    text = _error(make_client, _py("print('hello sekrit-token-value-77')"))
    assert "printed 28 bytes that are not JSON" in text
    assert "sekrit" not in text
    assert '{"access_token": "...", "expires_in": <seconds>}' in text


@pytest.mark.parametrize(("output", "expected"), [
    ("[1, 2]", "printed JSON that is not an object"),
    ('{"access_token": "tok-hidden-123456"}', "without a positive expires_in"),
    ('{"access_token": "", "expires_in": 7200}', "without access_token"),
    ('{"access_token": "tok-hidden-123456", "expires_in": "soon"}', "without a positive expires_in"),
])
def test_malformed_json_is_explained(make_client: MakeClient, output: str, expected: str) -> None:
    text = _error(make_client, _py(f"print({output!r})"))
    assert expected in text
    assert "tok-hidden" not in text


def test_slow_command_times_out(make_client: MakeClient) -> None:
    text = _error(make_client, _py("import time; time.sleep(5)"), timeout=0.3)
    assert text.endswith("did not finish within 0.3 s")


def test_missing_executable(make_client: MakeClient, tmp_path: Path) -> None:
    text = _error(make_client, [str(tmp_path / "no-such-get-token"), "--secret=abcdef123"])
    assert "token command 'no-such-get-token' for wx_test_app could not start" in text
    assert "abcdef123" not in text


def test_repr_shows_only_the_executable_name() -> None:
    source = CommandTokenSource(["/opt/bin/get-token", "--secret=abcdef123"], APPID)
    assert repr(source) == "CommandTokenSource(appid='wx_test_app', command='get-token')"
    assert source.kind == "command"
    with pytest.raises(ValueError):
        CommandTokenSource([], APPID)
