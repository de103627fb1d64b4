"""HTTP shaping: WeChat's envelope, the request gates, faults and the call log, around the services.

A WeChat call goes: fault "before" -> (thread) gate transaction (token, kind, permission set,
API quota; committed so refused calls still count) -> handler transaction (lazy audit clock,
then the service) -> fault "after" -> call log. Errors are HTTP 200 with errcode/errmsg; an
unexpected exception becomes -1 "system error" and a log line, never a traceback to the client.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from emulator import console, control, errors
from emulator import services as _services  # noqa: F401  (registers every route)
from emulator.routing import AUTHORIZER, COMPONENT_ONLY, ROUTES, Binary, Ctx
from emulator.routing import Route as WxRoute
from emulator.runtime import Fault, Runtime
from emulator.services import audit_clock, quota, tokens
from emulator.state import Store, Tx

log = logging.getLogger("emulator")
JSON_TYPE = "application/json; encoding=utf-8"


def envelope(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False).encode("utf-8"), media_type=JSON_TYPE)


def error_payload(err: errors.WxError) -> dict[str, Any]:
    return {"errcode": err.code, "errmsg": errors.errmsg(err.message), **err.extra}


class DropResponse(Response):
    """Start a response and never finish it: uvicorn closes the connection (a lost answer)."""

    def __init__(self) -> None:
        super().__init__(b"", media_type=JSON_TYPE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", JSON_TYPE.encode()), (b"content-length", b"64")]})


def _parse_json(raw: bytes, wx_route: WxRoute) -> dict[str, Any]:
    if not raw.strip():
        if wx_route.body == "required":
            raise errors.EMPTY_POST_DATA()
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep to parse
        raise errors.DATA_FORMAT_ERROR() from None
    if not isinstance(body, dict):
        raise errors.DATA_FORMAT_ERROR()
    return body


def _peek_json(raw: bytes) -> Any:
    """The body of a call that a fault answers before it is handled: parsed JSON, else None."""
    try:
        return json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _parse_multipart(raw: bytes, content_type: str) -> dict[str, tuple[str, bytes, str]]:
    if "multipart/form-data" not in content_type:
        return {}
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw)
    files: dict[str, tuple[str, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            data = part.get_payload(decode=True)
            files[name] = (part.get_filename() or "", data if isinstance(data, bytes) else b"",
                           part.get_content_type())
    return files


def _gate(ctx: Ctx, wx_route: WxRoute) -> None:
    """Token, token kind, permission set, API quota."""
    assert wx_route.token_param is not None
    # Component APIs documented with ?component_access_token= also take ?access_token=, the form the
    # current official pages show (reference §10); the other endpoints take only their own name.
    names = ("access_token", "component_access_token") if wx_route.token_param == "component_access_token" \
        else (wx_route.token_param,)
    token = next((ctx.query[n] for n in names if ctx.query.get(n)), None)
    if not token:
        raise errors.ACCESS_TOKEN_MISSING()
    doc = tokens.validate(ctx.tx, token)
    ctx.token_kind, ctx.appid, ctx.component_appid = doc["kind"], doc["appid"], doc["component_appid"]
    if doc["kind"] not in wx_route.kinds:
        raise (errors.MUST_USE_COMPONENT_TOKEN() if wx_route.kinds == COMPONENT_ONLY
               else errors.API_UNAUTHORIZED())
    if doc["kind"] == AUTHORIZER:
        auth = ctx.tx.get("auth", f"{doc['component_appid']}|{doc['appid']}")
        if auth is None:
            raise errors.NOT_AUTHORIZED()
        needed = (wx_route.perm,) if isinstance(wx_route.perm, int) else wx_route.perm
        if needed is not None and not set(needed) & set(auth["permissions"]):
            raise errors.API_UNAUTHORIZED_TO_COMPONENT()
    quota.charge(ctx, doc["appid"])


class _DryRun(Exception):
    """Raised inside a transaction to roll it back: the answer is wanted, the effect is not."""


@contextmanager
def _unit(store: Store, dry_run: bool) -> Iterator[Tx]:
    try:
        with store.tx() as tx:
            yield tx
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass


def omit_fields(payload: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of the answer without the named fields ("a.b" reaches into nested objects)."""
    out = json.loads(json.dumps(payload))
    for path in paths:
        *parents, leaf = path.split(".")
        node: Any = out
        for name in parents:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return out


Answer = dict[str, Any] | Binary


class WeChatHandler:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        raw = await request.body()
        fault = self.runtime.take_fault(path)
        entry: dict[str, Any] = {"method": request.method, "path": path, "query": dict(request.query_params),
                                 "appid": None, "token_kind": None, "body": None, "errcode": None,
                                 "fault": None, "applied_errcode": None}
        ctype = request.headers.get("content-type", "")
        if fault is None:
            answer = await run_in_threadpool(self._process, request.method, path, entry, raw, ctype)
            self._log(entry)
            return self._respond(answer)
        entry["fault"] = fault.describe()
        if fault.when == "before":
            if fault.console:
                await run_in_threadpool(self._console, fault, entry)
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.replaces_answer():
                entry["body"] = _peek_json(raw)  # the log says what was refused (a set, not a get)
                return self._faulted(entry, fault)
            # omit before: the answer the call would get, without its effect
            answer = await run_in_threadpool(self._process, request.method, path, entry, raw, ctype,
                                             bool(fault.omit))
            if not fault.omit:  # only delayed (or preceded by a console action): handled for real
                entry["applied_errcode"] = entry["errcode"]
        else:
            answer = await run_in_threadpool(self._process, request.method, path, entry, raw, ctype)
            entry["applied_errcode"] = entry["errcode"]  # the effect is kept whatever the client gets
            if fault.console:
                await run_in_threadpool(self._console, fault, entry)
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.replaces_answer():
                return self._faulted(entry, fault)
        if fault.omit and isinstance(answer, dict):
            answer = omit_fields(answer, fault.omit)
        self._log(entry)
        return self._respond(answer)

    def _console(self, fault: Fault, entry: dict[str, Any]) -> None:
        """Another party acts (a console action) between our calls; its outcome goes in the log."""
        assert fault.console is not None
        try:
            with self.runtime.store.tx() as tx:
                result = console.run(tx, fault.console)
            entry["fault"]["console_result"] = result
        except (console.ConsoleError, ValueError, TypeError, KeyError) as exc:
            log.warning("fault console action %s failed: %s", fault.console.get("action"), exc)
            entry["fault"]["console_error"] = str(exc)

    def _faulted(self, entry: dict[str, Any], fault: Fault) -> Response:
        if fault.drop:
            entry["errcode"] = None
            self._log(entry)
            return DropResponse()
        if fault.body is not None:
            body = fault.body
            entry["errcode"] = body.get("errcode") if isinstance(body, dict) else None
            self._log(entry)
            return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"), media_type=JSON_TYPE)
        code = int(fault.errcode or -1)
        entry["errcode"] = code
        self._log(entry)
        known = errors.by_code(code)  # a bare code answers WeChat's own text for it, as the real thing would
        message = fault.errmsg or (known.message if known else "fault injected by the emulator")
        return envelope({"errcode": code, "errmsg": errors.errmsg(message)})

    def _log(self, entry: dict[str, Any]) -> None:
        try:
            entry["time"] = self.runtime.store.now()
            self.runtime.record_call(entry)
        except Exception:  # the log must never turn a served call into an error
            log.exception("could not record a call")

    @staticmethod
    def _respond(answer: Answer) -> Response:
        if isinstance(answer, Binary):
            return Response(answer.content, media_type=answer.media_type, headers=answer.headers)
        return envelope(answer)

    def _process(self, method: str, path: str, entry: dict[str, Any], raw: bytes, ctype: str,
                 dry_run: bool = False) -> Answer:
        try:
            result, wx_route = self._dispatch(method, path, entry, raw, ctype, dry_run)
        except errors.WxError as err:
            entry["errcode"] = err.code
            return error_payload(err)
        except Exception:
            log.exception("unexpected error serving %s %s", method, path)
            entry["errcode"] = -1
            return error_payload(errors.SYSTEM_ERROR())
        entry["errcode"] = 0
        if isinstance(result, Binary) or not wx_route.envelope:
            return result
        return {"errcode": 0, "errmsg": "ok", **result}

    def _dispatch(self, method: str, path: str, entry: dict[str, Any], raw: bytes,
                  ctype: str, dry_run: bool) -> tuple[Any, WxRoute]:
        wx_route = ROUTES.get(path)
        if wx_route is None:
            raise errors.INVALID_URL()
        if method not in wx_route.methods:
            raise errors.REQUIRE_GET() if wx_route.methods == ("GET",) else errors.REQUIRE_POST()
        store = self.runtime.store
        query = dict(entry["query"])
        ctx = Ctx(tx=None, now=0.0, method=method, path=path, query=query, body={}, files={})  # type: ignore[arg-type]
        try:
            if wx_route.token_param is not None:
                with _unit(store, dry_run) as tx:
                    ctx.tx, ctx.now = tx, tx.now
                    _gate(ctx, wx_route)
            if wx_route.body == "multipart":
                ctx.files = _parse_multipart(raw, ctype)
                entry["body"] = {k: {"filename": f[0], "bytes": len(f[1])} for k, f in ctx.files.items()}
            elif wx_route.body != "none" and method == "POST":
                ctx.body = _parse_json(raw, wx_route)
                entry["body"] = ctx.body
            result: Any = None
            with _unit(store, dry_run) as tx:
                ctx.tx, ctx.now = tx, tx.now
                if ctx.appid and (app := tx.get("app", ctx.appid)) is not None:
                    audit_clock.tick(tx, app)
                result = wx_route.handler(ctx)
            return result, wx_route
        finally:
            entry["appid"], entry["token_kind"] = ctx.appid, ctx.token_kind


def create_app(store: Store | None = None, seed: dict[str, Any] | None = None) -> Starlette:
    """The ASGI app. `seed` is applied to an empty store (a file that already holds a demo's state
    keeps it across restarts) and again on every reset without a body."""
    runtime = Runtime(store or Store(":memory:"), dict(seed or {}))
    if runtime.store.is_empty():
        runtime.apply_seed(runtime.startup_seed)
    else:
        log.info("state found in %s; the seed is kept for resets only", runtime.store.path)
    wechat = WeChatHandler(runtime)
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
    app = Starlette(routes=[
        Mount("/_emulator", routes=control.routes(runtime)),
        Route("/{path:path}", wechat.handle, methods=methods),
    ])
    app.state.runtime = runtime
    return app
