"""Refuse every outgoing IP connection that is not to a loopback address, process-wide.

Tests talk only to the local emulator. This guard makes that a checked fact rather than a habit:
`install()` wraps `socket.getaddrinfo` (a name other than localhost is never even looked up: no
DNS query leaves the machine) and `socket.socket.connect`/`connect_ex` (the road httpx, urllib
and every other pure-Python client takes), so a client pointed at `api.weixin.qq.com` or any
other host fails at once with `NonLoopbackConnection`. Each attempt is appended to a log file
when one is given (a subprocess such as the dynamic-provider host cannot fail a test directly;
the test reads the file).

Standard library only: `sitecustomize.py` next to this file installs it in subprocesses.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

_lock = threading.Lock()
_installed: dict[str, Any] = {}


class NonLoopbackConnection(ConnectionRefusedError):
    """A test tried to reach something other than this machine's loopback interface."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]").split("%", 1)[0].lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name other than localhost: never resolved, never reached
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _target(sock: socket.socket, address: Any) -> str | None:
    """The host of an IP connection attempt, or None for other families (Unix sockets ...)."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    if isinstance(address, tuple) and address:
        return str(address[0])
    return str(address)


def install(log_path: str | None = None, on_violation: Callable[[str], None] | None = None) -> None:
    """Wrap socket connects (idempotent); `uninstall()` restores them."""
    with _lock:
        if _installed:
            return
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex
        original_getaddrinfo = socket.getaddrinfo

        def refuse(what: str) -> None:
            message = f"loopback guard: refused {what} (pid {os.getpid()})"
            if log_path:
                with open(log_path, "a", encoding="utf-8") as log:
                    log.write(message + "\n")
            if on_violation is not None:
                on_violation(message)
            raise NonLoopbackConnection(message)

        def check(sock: socket.socket, address: Any) -> None:
            host = _target(sock, address)
            if host is not None and not is_loopback(host):
                refuse(f"a connection to {address!r}")

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if isinstance(name, str) and name and not is_loopback(name) and not _is_ip(name):
                refuse(f"looking up {name!r}")
            return original_getaddrinfo(host, *args, **kwargs)

        def connect(sock: socket.socket, address: Any) -> Any:
            check(sock, address)
            return original_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> Any:
            check(sock, address)
            return original_connect_ex(sock, address)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo
        _installed.update(connect=original_connect, connect_ex=original_connect_ex, getaddrinfo=original_getaddrinfo)


def uninstall() -> None:
    with _lock:
        if not _installed:
            return
        socket.socket.connect = _installed.pop("connect")  # type: ignore[method-assign]
        socket.socket.connect_ex = _installed.pop("connect_ex")  # type: ignore[method-assign]
        socket.getaddrinfo = _installed.pop("getaddrinfo")
