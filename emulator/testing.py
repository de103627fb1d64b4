"""Helpers for every test layer, bench and e2e: run the emulator as a subprocess (providers run in
another process, so tests need real HTTP) and drive it through its control API.

    with start_emulator(DEMO_SEED) as emu:
        control = EmulatorControl(emu.base_url)
        control.decide_audit("wx2222222222222222", "approve")
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DEMO_SEED = PACKAGE_DIR / "seeds" / "demo.yaml"
READY_PREFIX = "emulator listening on "
CA_PREFIX = "emulator CA: "

# Ids and secrets of the demo seed (emulator/seeds/demo.yaml).
COMPONENT_APPID = "wx1111111111111111"
COMPONENT_SECRET = "demo-component-secret-0001"
VERIFY_TICKET = "demo-verify-ticket-0001"
APPID = "wx2222222222222222"  # authorized to the demo platform
REFRESH_TOKEN = "demo-refresh-token-0002"
OWNER_APPID, OWNER_SECRET = "wx3333333333333333", "demo-app-secret-0003"  # owner mode only
APP_SECRET = "demo-app-secret-0002"
DEV_APPID = "wx4444444444444444"
RID = re.compile(r" rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$")


class EmulatorError(RuntimeError):
    """The emulator process did not start, or a control call failed."""


class EmulatorProcess:
    """A running `python -m emulator serve --port 0` subprocess."""

    def __init__(self, seed: dict[str, Any] | str | Path | None = None, db: str = ":memory:",
                 timeout: float = 30.0, extra_args: list[str] | None = None, tls: bool = False) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ca_path: Path | None = None  # with tls: the test CA a client must trust
        args = [sys.executable, "-m", "emulator", "serve", "--host", "127.0.0.1", "--port", "0", "--db", db]
        if isinstance(seed, dict):
            self._tmp = tempfile.TemporaryDirectory(prefix="emulator-seed-")
            seed_path = Path(self._tmp.name) / "seed.json"
            seed_path.write_text(json.dumps(seed), encoding="utf-8")  # JSON is valid YAML
            args += ["--seed", str(seed_path)]
        elif seed is not None:
            args += ["--seed", str(seed)]
        args += extra_args or []
        if tls:
            args.append("--tls")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                                          os.environ.get("PYTHONPATH")])),
               "PYTHONUNBUFFERED": "1"}
        self.output: deque[str] = deque(maxlen=200)  # recent stdout/stderr lines, for diagnostics
        self._proc = subprocess.Popen(args, cwd=str(PROJECT_ROOT), env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, encoding="utf-8", bufsize=1)
        self.base_url = self._wait_ready(timeout)
        # Keep draining the pipe so a chatty server never blocks on a full buffer.
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_ready(self, timeout: float) -> str:
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        result: list[str] = []

        def read() -> None:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                self.output.append(line.rstrip())
                if line.startswith(CA_PREFIX):
                    self.ca_path = Path(line[len(CA_PREFIX):].strip())
                if line.startswith(READY_PREFIX):
                    result.append(line[len(READY_PREFIX):].strip())
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(max(deadline - time.monotonic(), 0))
        if not result:
            self.stop()
            raise EmulatorError("emulator did not become ready:\n" + "\n".join(self.output))
        return result[0]

    def _drain(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line.rstrip())

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_emulator(seed: dict[str, Any] | str | Path | None = None, db: str = ":memory:",
                   timeout: float = 30.0, tls: bool = False) -> EmulatorProcess:
    """Launch the emulator on a free loopback port; returns once it serves requests. `tls`: HTTPS
    with a test CA made at start (`.ca_path`; `.base_url` is https://127.0.0.1:PORT)."""
    return EmulatorProcess(seed, db, timeout, tls=tls)


class EmulatorControl:
    """Typed access to the control API (/_emulator/...); see emulator/CONTROL.md."""

    def __init__(self, base_url: str, timeout: float = 10.0, verify: ssl.SSLContext | str | bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url + "/_emulator", timeout=timeout, verify=verify)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None) -> dict[str, Any]:
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        response = self._http.request(method, path, content=content, params=params,
                                      headers={"content-type": "application/json"})
        data: dict[str, Any] = response.json()
        if response.status_code >= 400:
            raise EmulatorError(f"{method} /_emulator{path}: {response.status_code} {data.get('error')}")
        return data

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, seed: dict[str, Any] | None = None) -> None:
        """Back to `seed`, or to the seed the process started with when None."""
        self._call("POST", "/reset", seed)

    def seed(self, seed: dict[str, Any]) -> None:
        self._call("POST", "/seed", seed)

    def state(self, appid: str | None = None) -> dict[str, Any]:
        return self._call("GET", "/state", params={"appid": appid} if appid else None)

    def decide_audit(self, appid: str, decision: str, reason: str | None = None,
                     screenshots: list[str] | None = None, target: str = "code",
                     **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"appid": appid, "decision": decision, "target": target, **extra}
        if reason is not None:
            body["reason"] = reason
        if screenshots is not None:
            body["screenshots"] = screenshots
        return self._call("POST", "/audit", body)

    def console(self, appid: str, action: str, **fields: Any) -> dict[str, Any]:
        return self._call("POST", "/console", {"appid": appid, "action": action, **fields})

    def land_draft(self, component_appid: str, user_version: str, user_desc: str = "",
                   source_miniprogram_appid: str = "", **extra: Any) -> int:
        body = {"component_appid": component_appid, "user_version": user_version, "user_desc": user_desc,
                "source_miniprogram_appid": source_miniprogram_appid, **extra}
        return int(self._call("POST", "/drafts", body)["draft_id"])

    def inject_fault(self, path: str, count: int = 1, errcode: int | None = None,
                     delay_seconds: float | None = None, drop: bool = False, when: str = "before",
                     errmsg: str | None = None, body: Any = None, omit: list[str] | None = None,
                     console: dict[str, Any] | None = None) -> dict[str, Any]:
        """See CONTROL.md: errcode/drop/body/omit shape the answer (one of them), `console` is another
        party acting right before (`when="before"`) or right after (`"after"`) the call."""
        fault: dict[str, Any] = {"path": path, "count": count, "when": when, "drop": drop}
        optional = {"errcode": errcode, "errmsg": errmsg, "delay_seconds": delay_seconds, "body": body,
                    "omit": omit, "console": console}
        fault.update({k: v for k, v in optional.items() if v is not None})
        return self._call("POST", "/faults", fault)

    def faults(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/faults")["faults"])

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self._call("POST", "/clock", {"advance_seconds": seconds})

    def clock(self) -> dict[str, Any]:
        return self._call("GET", "/clock")

    def calls(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self._call("GET", "/calls", params={"since": since})["calls"])

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")

    def authorization_code(self, component_appid: str, authorizer_appid: str,
                           permissions: list[int] | None = None) -> str:
        body: dict[str, Any] = {"component_appid": component_appid, "authorizer_appid": authorizer_appid}
        if permissions is not None:
            body["permissions"] = permissions
        return str(self._call("POST", "/authorization_code", body)["authorization_code"])

    def set_ticket(self, component_appid: str, verify_ticket: str | None = None,
                   expires_in: float | None = None) -> dict[str, Any]:
        """WeChat pushes a verify ticket (a new random one unless given; 12 hours unless expires_in)."""
        return self._call("POST", "/ticket", {"component_appid": component_appid, "verify_ticket": verify_ticket,
                                              "expires_in": expires_in})

    def events(self, component_appid: str, since: int = 0) -> list[dict[str, Any]]:
        """Events WeChat pushed to the platform (audit results), oldest first, after `since`."""
        data = self._call("GET", "/events", params={"component_appid": component_appid, "since": since})
        return list(data["events"])

    def forward_events(self, component_appid: str, path: str | None) -> None:
        """Also append each new event of the platform to `path` as a JSON line (None: stop)."""
        self._call("POST", "/events", {"component_appid": component_appid, "forward_to": path})

    def latest_ticket(self, component_appid: str) -> dict[str, Any]:
        """The newest pushed verify ticket: {verify_ticket, pushed_at, expires_at}."""
        return self._call("GET", "/ticket", params={"component_appid": component_appid})


class RawWeChat:
    """Raw calls against the emulator with WeChat's query-string tokens."""

    def __init__(self, base_url: str, verify: ssl.SSLContext | str | bool = True) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10, verify=verify)

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, token: str | None = None, param: str = "access_token",
             json: Any = None, content: bytes | None = None, params: dict[str, Any] | None = None,
             **kwargs: Any) -> dict[str, Any]:
        query = dict(params or {})
        if token is not None:
            query[param] = token
        response = self.http.request(method, path, params=query, json=json, content=content, **kwargs)
        if response.status_code != 200 or not response.headers["content-type"].startswith("application/json"):
            raise EmulatorError(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        data: dict[str, Any] = response.json()
        return data

    def post(self, path: str, token: str | None = None, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        return self.call("POST", path, token, json=body if body is not None else {}, **kwargs)

    def get(self, path: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        return self.call("GET", path, token, **kwargs)

    # --- tokens ---
    def component_token(self) -> str:
        data = self.post("/cgi-bin/component/api_component_token", body={
            "component_appid": COMPONENT_APPID, "component_appsecret": COMPONENT_SECRET,
            "component_verify_ticket": VERIFY_TICKET})
        return str(data["component_access_token"])

    def authorizer_token(self, appid: str = APPID, refresh_token: str = REFRESH_TOKEN) -> str:
        data = self.post("/cgi-bin/component/api_authorizer_token", self.component_token(),
                         param="component_access_token",
                         body={"component_appid": COMPONENT_APPID, "authorizer_appid": appid,
                               "authorizer_refresh_token": refresh_token})
        assert "authorizer_access_token" in data, data  # documented without errcode on success
        return str(data["authorizer_access_token"])

    def stable_token(self, appid: str = OWNER_APPID, secret: str = OWNER_SECRET, force: bool = False) -> str:
        data = self.post("/cgi-bin/stable_token", body={"grant_type": "client_credential", "appid": appid,
                                                        "secret": secret, "force_refresh": force})
        return str(data["access_token"])

    def own_token(self, appid: str = OWNER_APPID, secret: str = OWNER_SECRET) -> str:
        data = self.get("/cgi-bin/token", params={"grant_type": "client_credential", "appid": appid,
                                                  "secret": secret})
        return str(data["access_token"])


def assert_ok(data: dict[str, Any]) -> dict[str, Any]:
    assert data.get("errcode") == 0 and data.get("errmsg") == "ok", data
    return data


def assert_err(data: dict[str, Any], errcode: int, text: str) -> dict[str, Any]:
    """An error answer: the errcode, WeChat's text (emulator/errors.py), and a request id."""
    assert data.get("errcode") == errcode, data
    assert text in data["errmsg"], data
    assert RID.search(data["errmsg"]), data
    return data
