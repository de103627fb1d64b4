"""Command line: `python -m emulator serve ...` runs the emulator; `python -m emulator ctl ...`
drives a running one through the control API (handy in demos)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from emulator.app import create_app
from emulator.seed import SeedError, load
from emulator.state import Store

if TYPE_CHECKING:
    from emulator.tls import TLSFiles

DEFAULT_DB = ".state/emulator.sqlite3"
CA_PREFIX = "emulator CA: "
DEFAULT_PORT = 8787  # the demo stack's baseUrl (Pulumi.dev.yaml); runner/local_emulator.py starts it here
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


class _Server(uvicorn.Server):
    """Announces readiness only once uvicorn really serves the (already bound) socket."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        print(f"emulator listening on {self.url}", flush=True)


def serve(args: argparse.Namespace) -> int:
    try:
        seed = load(args.seed)
        app = create_app(Store(args.db), seed)
    except (OSError, SeedError) as exc:
        print(f"emulator: cannot start: {exc}", file=sys.stderr)
        return 2
    # Bind first so --port 0 yields a real port to announce, and the socket is ready before the line.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"emulator: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    sock.listen(128)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    with contextlib.ExitStack() as cleanup:
        tls: dict[str, Any] = {}
        if args.tls:
            files = tls_files(args, cleanup)
            tls = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
            print(f"{CA_PREFIX}{files.ca}", flush=True)  # before the ready line, which ends start-up
        config = uvicorn.Config(app, log_level=args.log_level, access_log=False, lifespan="off", **tls)
        _Server(config, f"{'https' if args.tls else 'http'}://{host}:{port}").run(sockets=[sock])
    return 0


def tls_files(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> TLSFiles:
    """A fresh test CA and loopback certificate: in --tls-dir, next to a file database, or in a
    temporary directory removed at exit."""
    from emulator.tls import make_test_pki  # cryptography is only needed with --tls

    if args.tls_dir:
        directory = Path(args.tls_dir)
    elif args.db != ":memory:":
        directory = Path(args.db).resolve().parent / "tls"
    else:
        directory = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="emulator-tls-")))
    return make_test_pki(directory)


def ctl(args: argparse.Namespace) -> int:
    body: dict[str, Any]
    if args.command in ("approve", "reject", "delay"):
        path, body = "/_emulator/audit", {"appid": args.appid, "decision": args.command}
        if args.reason:
            body["reason"] = args.reason
        if args.target:
            body["target"] = args.target
    elif args.command == "advance":
        path, body = "/_emulator/clock", {"advance_seconds": args.seconds}
    else:
        path, body = "/_emulator/reset", {}
    try:
        response = httpx.post(args.url.rstrip("/") + path, json=body if args.command != "reset" else None,
                              timeout=10)
    except httpx.HTTPError as exc:
        print(f"emulator ctl: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    return 0 if response.status_code < 400 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve", help="run the emulator")
    s.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"0 picks a free port (default {DEFAULT_PORT})")
    s.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file or :memory: (default {DEFAULT_DB})")
    s.add_argument("--seed", default=None, help="seed YAML/JSON applied at start and on reset")
    s.add_argument("--log-level", default="warning")
    s.add_argument("--tls", action="store_true",
                   help="serve HTTPS with a test CA made at start (its path is printed: trust it with "
                        "WECHAT_IAC_CA_BUNDLE or SSL_CERT_FILE)")
    s.add_argument("--tls-dir", default=None, help="where --tls writes ca.pem and the server certificate")
    c = sub.add_parser("ctl", help="drive a running emulator through its control API")
    c.add_argument("command", choices=["approve", "reject", "delay", "advance", "reset"])
    c.add_argument("--appid", help="the mini-program (approve/reject/delay)")
    c.add_argument("--reason", help="rejection or delay reason")
    c.add_argument("--target", choices=["code", "nickname", "category"], help="which review (default code)")
    c.add_argument("--seconds", type=float, default=0, help="for advance")
    c.add_argument("--url", default=os.environ.get("WECHAT_EMULATOR_URL") or DEFAULT_URL,
                   help="default: $WECHAT_EMULATOR_URL (`python -m runner env` sets it from baseUrl), else 8787")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    if args.mode == "serve":
        return serve(args)
    if args.command in ("approve", "reject", "delay") and not args.appid:
        parser.error("--appid is required")
    return ctl(args)


if __name__ == "__main__":
    sys.exit(main())
