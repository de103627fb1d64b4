"""The control API under /_emulator/: reset and seed, read state, decide reviews, act as the
console admin (drift), land template drafts, inject faults, move the clock, read the call log.
Documented in CONTROL.md; JSON in and out; errors are HTTP 4xx with {"error": "..."}."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import clock, console
from emulator.runtime import Fault, Runtime
from emulator.seed import SeedError
from emulator.services import audit_clock, code, events, tickets
from emulator.services.tokens import AUTH_CODE_TTL
from emulator.state import Doc, Tx


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _json(request: Request, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise ControlError("a JSON body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ControlError(f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


async def _body_or_query(request: Request) -> dict[str, Any]:
    """POST: the JSON body; GET: the query parameters."""
    return await _json(request) if request.method == "POST" else dict(request.query_params)


def _platform(tx: Tx, component_appid: Any) -> Doc:
    platform = tx.get("platform", str(component_appid or ""))
    if platform is None:
        raise ControlError(f"unknown component_appid {component_appid!r}", 404)
    return platform


def _app(tx: Tx, appid: Any) -> Doc:
    app = tx.get("app", str(appid or ""))
    if app is None:
        raise ControlError(f"unknown mini-program appid {appid!r}", 404)
    audit_clock.tick(tx, app)
    return app


_FAULT_KEYS = {"path", "count", "when", "errcode", "errmsg", "delay_seconds", "drop", "body", "omit",
               "console"}


def _fault(body: dict[str, Any]) -> Fault:
    unknown = sorted(set(body) - _FAULT_KEYS)
    if unknown:
        raise ControlError(f"unknown fault keys {unknown}; allowed: {sorted(_FAULT_KEYS)}")
    path = str(body.get("path") or "")
    if not path.startswith("/"):
        raise ControlError("path: a WeChat path such as /wxa/commit")
    when = body.get("when", "before")
    if when not in ("before", "after"):
        raise ControlError("when: before or after")
    omit = body.get("omit") or []
    if not isinstance(omit, list) or not all(isinstance(o, str) and o for o in omit):
        raise ControlError("omit: a list of field names (a.b for a nested field)")
    action = body.get("console")
    if action is not None and not isinstance(action, dict):
        raise ControlError("console: an object as POST /_emulator/console takes it")
    fault = Fault(path=path, count=int(body.get("count", 1)), when=when,
                  errcode=None if body.get("errcode") is None else int(body["errcode"]),
                  errmsg=body.get("errmsg"), delay_seconds=float(body.get("delay_seconds") or 0),
                  drop=bool(body.get("drop", False)), body=body.get("body"), omit=list(omit),
                  console=action)
    shapes = [fault.errcode is not None, fault.drop, fault.body is not None, bool(fault.omit)]
    if sum(shapes) > 1:
        raise ControlError("a fault shapes the answer one way: errcode, drop, body or omit")
    if not any(shapes) and not fault.delay_seconds and fault.console is None:
        raise ControlError("a fault needs errcode, drop, body, omit, delay_seconds or console")
    return fault


def routes(runtime: Runtime) -> list[Route]:
    store = runtime.store

    def endpoint(fn: Any) -> Any:
        async def wrapped(request: Request) -> Response:
            try:
                return JSONResponse(await fn(request))
            except (ControlError, console.ConsoleError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            except SeedError as exc:
                return JSONResponse({"error": f"bad seed: {exc}"}, status_code=400)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
                # a field of the wrong type or shape (int("x"), a list where a mapping goes ...)
                return JSONResponse({"error": f"bad input: {type(exc).__name__}: {exc}"}, status_code=400)
        return wrapped

    async def health(request: Request) -> dict[str, Any]:
        return {"status": "ok", "now": store.now(), "db": store.path}

    async def reset(request: Request) -> dict[str, Any]:
        raw = await request.body()
        runtime.reset(await _json(request) if raw.strip() else None)
        return {"ok": True}

    async def seed(request: Request) -> dict[str, Any]:
        runtime.apply_seed(await _json(request))
        return {"ok": True}

    async def state(request: Request) -> dict[str, Any]:
        appid = request.query_params.get("appid")
        with store.tx() as tx:
            if appid:
                app = _app(tx, appid)
                auths = [a for k, a in tx.all("auth").items() if k.endswith("|" + appid)]
                return {"now": tx.now, "app": app, "authorizations": auths,
                        "platforms": [tx.get("platform", a["component_appid"]) for a in auths]}
            for app in tx.all("app").values():
                audit_clock.tick(tx, app)
            return {"now": tx.now, "platforms": list(tx.all("platform").values()),
                    "miniprograms": list(tx.all("app").values()),
                    "authorizations": list(tx.all("auth").values())}

    async def audit(request: Request) -> dict[str, Any]:
        body = await _json(request)
        decision = body.get("decision")
        if decision not in ("approve", "reject", "delay"):
            raise ControlError("decision: approve, reject or delay")
        target = body.get("target", "code")
        reason = str(body.get("reason") or "")
        with store.tx() as tx:
            app = _app(tx, body.get("appid"))
            if target == "code":
                latest = audit_clock.latest_audit(app)
                if latest is None or latest["status"] not in (audit_clock.AUDITING, audit_clock.DELAYED):
                    raise ControlError("no audit is running for this mini-program", 409)
                audit_clock.decide_code(tx, app, latest, decision, tx.now, reason,
                                        list(body.get("screenshots") or []))
                return {"audit": latest}
            if target == "nickname":
                running = [n for n in app.get("nickname_audits", []) if n["audit_stat"] == 1]
                item = running[-1] if running else None
                if item is None:
                    raise ControlError("no nickname review is running", 409)
                audit_clock.decide_nickname(app, item, decision, tx.now, reason)
                return {"nickname_audit": item}
            if target == "category":
                pair = (int(body.get("first", 0)), int(body.get("second", 0)))
                item = next((c for c in app.get("categories", []) if (c["first"], c["second"]) == pair), None)
                if item is None or item["audit_status"] != 1:
                    raise ControlError("no such category under review", 409)
                audit_clock.decide_category(item, decision, reason)
                return {"category": item}
            raise ControlError("target: code, nickname or category")

    async def console_action(request: Request) -> dict[str, Any]:
        body = await _json(request)
        with store.tx() as tx:
            return console.run(tx, body)

    async def drafts(request: Request) -> dict[str, Any]:
        body = await _json(request)
        with store.tx() as tx:
            fields = {k: v for k, v in body.items() if k != "component_appid"}
            draft = code.land_draft(tx, _platform(tx, body.get("component_appid")), fields)
            return {"draft_id": draft["draft_id"]}

    async def faults(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            runtime.clear_faults()
            return {"ok": True}
        if request.method == "GET":
            return {"faults": [f.describe() for f in runtime.faults]}
        fault = _fault(await _json(request))
        if fault.console is not None:
            with store.tx() as tx:  # refuse an unknown action or appid now, not at the call
                console.check(tx, fault.console)
        runtime.add_fault(fault)
        return {"ok": True, "fault": fault.describe()}

    async def clock_endpoint(request: Request) -> dict[str, Any]:
        if request.method == "POST":
            body = await _json(request)
            with store.tx() as tx:
                meta = tx.meta()
                offset = float(meta.get("clock_offset", 0.0))
                meta["clock_offset"] = offset + float(body.get("advance_seconds", 0))
        now = store.now()
        return {"now": now, "iso": clock.iso(now), "offset": store.clock_offset()}

    async def calls(request: Request) -> dict[str, Any]:
        if request.method == "DELETE":
            store.clear_calls()
            return {"ok": True}
        since = int(request.query_params.get("since", "0") or 0)
        return {"calls": store.calls(since)}

    async def authorization_code(request: Request) -> dict[str, Any]:
        body = await _json(request)
        with store.tx() as tx:
            _platform(tx, body.get("component_appid"))
            _app(tx, body.get("authorizer_appid"))
            code_value = "queryauthcode@@@" + secrets.token_urlsafe(32)
            tx.put("authcode", code_value, {
                "component_appid": body["component_appid"], "authorizer_appid": body["authorizer_appid"],
                "permissions": list(body.get("permissions") or [18, 30]),
                "expires_at": tx.now + AUTH_CODE_TTL})
            return {"authorization_code": code_value, "expires_in": AUTH_CODE_TTL}

    async def ticket(request: Request) -> dict[str, Any]:
        """POST: WeChat pushes a ticket (older ones stay valid until their 12 hours end).
        GET ?component_appid=: the newest pushed ticket, as a platform's receiver would store it."""
        body = await _body_or_query(request)
        with store.tx() as tx:
            platform = _platform(tx, body.get("component_appid"))
            if request.method == "GET":
                return {"component_appid": platform["component_appid"], **tickets.latest(platform, tx.now)}
            expires_in = body.get("expires_in")
            item = tickets.push(platform, tx.now, str(body["verify_ticket"]) if body.get("verify_ticket") else None,
                                tickets.TICKET_TTL if expires_in is None else float(expires_in))
            return {"component_appid": platform["component_appid"], "verify_ticket": item["ticket"],
                    "pushed_at": item["pushed_at"], "expires_at": item["expires_at"]}

    async def events_endpoint(request: Request) -> dict[str, Any]:
        """GET ?component_appid=&since=: the events WeChat pushed to the platform, oldest first.
        POST {"component_appid", "forward_to": path | null}: also append each new event to a file."""
        body = await _body_or_query(request)
        with store.tx() as tx:
            platform = _platform(tx, body.get("component_appid"))
            if request.method == "POST":
                target = body.get("forward_to")
                platform["event_forward"] = str(target) if target else None
                return {"ok": True, "forward_to": platform["event_forward"]}
            for key in tx.keys("auth"):  # reviews due by now have been decided (and pushed)
                if key.startswith(platform["component_appid"] + "|"):
                    app = tx.get("app", key.split("|", 1)[1])
                    if app is not None:
                        audit_clock.tick(tx, app)
            return {"events": events.read(tx, platform["component_appid"], int(body.get("since") or 0))}

    table = [
        ("/health", health, ["GET"]), ("/reset", reset, ["POST"]), ("/seed", seed, ["POST"]),
        ("/state", state, ["GET"]), ("/audit", audit, ["POST"]), ("/console", console_action, ["POST"]),
        ("/drafts", drafts, ["POST"]), ("/faults", faults, ["GET", "POST", "DELETE"]),
        ("/clock", clock_endpoint, ["GET", "POST"]), ("/calls", calls, ["GET", "DELETE"]),
        ("/authorization_code", authorization_code, ["POST"]), ("/ticket", ticket, ["GET", "POST"]),
        ("/events", events_endpoint, ["GET", "POST"]),
    ]
    return [Route(path, endpoint(fn), methods=methods) for path, fn, methods in table]
