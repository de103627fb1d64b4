"""The emulator under hostile requests: malformed JSON, wrong types, wrong content types, unicode,
huge bodies, odd methods and paths.

WeChat paths must answer like WeChat: HTTP 200 with a JSON envelope and an errcode, never a 500,
never a traceback, and never -1 "system error" (the emulator's answer to an exception it did not
expect, i.e. one of its own bugs). The control API answers 4xx with {"error"} for bad input. After
all of it the emulator still serves a normal call.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.routing import ROUTES
from emulator.testing import EmulatorControl, EmulatorProcess, RawWeChat

pytestmark = pytest.mark.faults

PATHS = sorted(ROUTES)
FIELDS = ["action", "requestdomain", "webviewdomain", "wechatid", "userstr", "template_id", "ext_json",
          "user_version", "user_desc", "item_list", "auditid", "gray_percentage", "app_version", "nick_name",
          "signature", "first", "second", "privacy_ver", "setting_list", "owner_setting", "component_appid",
          "authorizer_appid", "authorizer_refresh_token", "component_appsecret", "component_verify_ticket",
          "grant_type", "appid", "secret", "force_refresh", "cgi_path", "media_id", "categories", "path"]
CONTENT_TYPES = ["application/json", "application/json; charset=gbk", "text/plain", "text/html",
                 "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
                 "application/octet-stream", "image/png", "", "\u00e9/\u00e9", "application/json; boundary=\"\""]

scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["get", "set", "add", "delete", "https://api.shop.example.com", "\u202e", "\x00", "🙂" * 5,
                     "wx2222222222222222", "-1", "1e309", "NaN"]),
)
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5),
                          max_leaves=20)
bodies = st.one_of(
    st.builds(lambda v: json.dumps(v).encode(), json_value),  # well-formed JSON of any shape
    st.builds(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8"),
              st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=6)),  # WeChat-like fields, wrong types
    st.binary(max_size=200),  # not JSON, maybe not UTF-8
    st.text(max_size=100).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    st.sampled_from([b"{", b"[]", b"null", b"\"str\"", b"{\"action\": }", b"\xff\xfe{}", b"{}" * 3,
                     b"[" * 5000 + b"]" * 5000, b"{\"a\":" * 3000 + b"1" + b"}" * 3000]),
)


@pytest.fixture(scope="module")
def hostile(emulator: EmulatorProcess) -> Iterator[dict[str, Any]]:
    control = EmulatorControl(emulator.base_url)
    control.reset()
    wx = RawWeChat(emulator.base_url)
    tokens = {"authorizer": wx.authorizer_token(), "component": wx.component_token(),
              "stable": wx.stable_token(), "garbage": "not-a-token-\u202e", "none": None}
    client = httpx.Client(base_url=emulator.base_url, timeout=30)
    yield {"client": client, "tokens": tokens, "control": control, "wx": wx}
    client.close()
    wx.close()
    control.reset()  # leave the session emulator as the next test expects it
    control.close()


def assert_wechat_answer(response: httpx.Response, what: str) -> dict[str, Any]:
    assert response.status_code == 200, f"{what}: HTTP {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text, what
    assert response.headers["content-type"].startswith("application/json"), (what, response.headers)
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("errcode", 0), int), (what, body)
    assert body.get("errcode") != -1, f"{what}: -1 system error = an exception the emulator did not expect: {body}"
    return body


def assert_still_serving(hostile: dict[str, Any]) -> None:
    assert hostile["control"].health()["status"] == "ok"
    answer = hostile["wx"].post("/wxa/modify_domain", hostile["tokens"]["authorizer"], {"action": "get"})
    assert answer["errcode"] == 0, answer


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    path=st.one_of(st.sampled_from(PATHS), st.sampled_from(PATHS).map(lambda p: p + "/x"),
                   st.text(alphabet=string.ascii_letters + "/._-%~😀", max_size=30).map(lambda p: "/" + p)),
    token=st.sampled_from(["authorizer", "component", "stable", "garbage", "none"]),
    param=st.sampled_from(["access_token", "component_access_token", "ACCESS_TOKEN"]),
    extra=st.dictionaries(st.sampled_from(FIELDS) | st.text(min_size=1, max_size=6), st.text(max_size=20), max_size=3),
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_any_request_gets_a_wechat_envelope(hostile: dict[str, Any], method: str, path: str, token: str,
                                            param: str, extra: dict[str, str], body: bytes,
                                            content_type: str) -> None:
    if path.startswith("/_emulator"):
        return  # the control API is a test tool with its own contract (below)
    params = dict(extra)
    if hostile["tokens"][token] is not None:
        params[param] = hostile["tokens"][token]
    headers = {"content-type": content_type.encode("utf-8")} if content_type else {}  # raw bytes, even non-ASCII
    response = hostile["client"].request(method, path, params=params, content=body, headers=headers)
    assert_wechat_answer(response, f"{method} {path} {content_type!r} {body[:80]!r}")


@pytest.mark.parametrize("path", ["/wxa/modify_domain", "/wxa/commit", "/cgi-bin/component/api_component_token",
                                  "/wxa/submit_audit", "/cgi-bin/media/upload", "/no/such/path"])
@pytest.mark.parametrize("kind", ["json list", "random bytes", "multipart"])
def test_five_megabyte_bodies(hostile: dict[str, Any], path: str, kind: str) -> None:
    size = 5 * 1024 * 1024
    if kind == "json list":
        content = json.dumps({"action": "set", "requestdomain": ["https://a.example.com"] * (size // 24),
                              "item_list": [{"address": "x" * 100}] * 1000}).encode()
        headers = {"content-type": "application/json"}
    elif kind == "random bytes":
        content, headers = bytes(range(256)) * (size // 256), {"content-type": "application/json"}
    else:
        boundary = "hostileboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\n"
                "Content-Type: image/png\r\n\r\n").encode()
        content = head + b"\x89PNG" + b"\0" * size + f"\r\n--{boundary}--\r\n".encode()
        headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    response = hostile["client"].post(path, params={"access_token": hostile["tokens"]["authorizer"]},
                                      content=content, headers=headers)
    assert_wechat_answer(response, f"{kind} to {path}")
    assert_still_serving(hostile)


def test_a_very_long_query_string_is_refused_without_a_500(hostile: dict[str, Any]) -> None:
    response = hostile["client"].get("/wxa/getversioninfo", params={"access_token": "x" * 60_000})
    assert response.status_code < 500, response.status_code
    assert "Traceback" not in response.text
    assert_still_serving(hostile)


CONTROL = ["/reset", "/seed", "/state", "/audit", "/console", "/drafts", "/faults", "/clock", "/calls",
           "/authorization_code", "/ticket"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from([p for p in CONTROL if p not in ("/reset", "/seed")]),
       method=st.sampled_from(["POST", "GET", "DELETE"]),
       body=st.one_of(bodies, st.builds(lambda v: json.dumps(v).encode(), st.dictionaries(
           st.sampled_from(["appid", "decision", "target", "path", "count", "errcode", "delay_seconds", "drop",
                            "when", "advance_seconds", "action", "component_appid", "user_version", "first",
                            "second", "expires_in", "verify_ticket", "permissions"]), json_value, max_size=6))))
def test_control_api_answers_bad_input_with_a_4xx(hostile: dict[str, Any], path: str, method: str,
                                                  body: bytes) -> None:
    response = hostile["client"].request(method, "/_emulator" + path, content=body,
                                         headers={"content-type": "application/json"})
    assert response.status_code < 500, f"{method} {path} {body[:120]!r}: {response.status_code} {response.text[:300]}"
    assert "Traceback" not in response.text
    if response.status_code >= 400 and response.status_code != 405:
        assert "error" in response.json()
    hostile["control"].clear_faults()  # an accepted fault would misroute the next example


def test_the_emulator_keeps_serving_after_all_of_it(hostile: dict[str, Any]) -> None:
    control = hostile["control"]
    control.reset()  # the control fuzz may have revoked authorizations or moved the clock
    hostile["tokens"]["authorizer"] = hostile["wx"].authorizer_token()
    assert_still_serving(hostile)
