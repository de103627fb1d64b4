"""Loopback only: the emulator binds 127.0.0.1 unless told otherwise, and tests cannot reach any
other address (the guard in support.py / hooks/ is itself tested here)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from emulator.testing import APPID, COMPONENT_APPID, COMPONENT_SECRET, PROJECT_ROOT, REFRESH_TOKEN, VERIFY_TICKET
from tests.reliability.hooks import loopback_guard
from tests.reliability.hooks.loopback_guard import NonLoopbackConnection, is_loopback
from tests.reliability.support import HOOKS, Loopback
from wechat import ComponentCredentials, MiniProgramClient, PlatformTokenSource, TransportError

pytestmark = pytest.mark.faults


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (Linux /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses. A UDP connect sends no packet: it only picks
    the source address a packet to TEST-NET-1 would use (the guard's unwrapped connect)."""
    found = []
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        loopback_guard._installed["connect"](probe, ("192.0.2.1", 9))
        found.append(probe.getsockname()[0])
        probe.close()
    except OSError:
        pass
    return [address for address in found if not is_loopback(address)]


def test_emulator_serve_without_host_listens_on_loopback_only() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", "--db", ":memory:"],  # no --host
        cwd=str(PROJECT_ROOT), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(30)
        assert lines and lines[0].startswith("emulator listening on http://127.0.0.1:"), lines
        port = int(lines[0].strip().rsplit(":", 1)[1])
        assert listening_addresses(port) == {"127.0.0.1"}
        assert httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=10).json()["status"] == "ok"
        # This machine's own LAN address (the packet never leaves the host) must be refused by the
        # kernel: nothing listens there. The guard's unwrapped connect is used for this one probe.
        unguarded_connect = loopback_guard._installed["connect"]
        addresses = other_addresses()
        for address in addresses:
            with socket.socket() as raw, pytest.raises(ConnectionRefusedError):
                raw.settimeout(5)
                unguarded_connect(raw, (address, port))
    finally:
        process.terminate()  # the process this test started, by its id
        process.wait(10)


def test_the_guard_refuses_the_real_wechat_and_any_other_host(loopback_only: Loopback) -> None:
    source = PlatformTokenSource(ComponentCredentials(COMPONENT_APPID, COMPONENT_SECRET, VERIFY_TICKET),
                                 APPID, REFRESH_TOKEN, None)
    with MiniProgramClient(APPID, source, max_retries=0) as client, pytest.raises(TransportError):
        client.get_domains()  # the default base URL: https://api.weixin.qq.com
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://192.0.2.1:9/", timeout=2)  # an IP literal: refused at connect
    assert len(loopback_only.violations) == 2, loopback_only.violations
    assert "api.weixin.qq.com" in loopback_only.violations[0]
    with pytest.raises(NonLoopbackConnection):
        socket.getaddrinfo("example.com", 443)
    loopback_only.violations.clear()  # expected: this test provoked them


def test_the_guard_in_a_cli_subprocess(tmp_path: Path, loopback_only: Loopback) -> None:
    """The provider host gets the guard through PYTHONPATH (hooks/sitecustomize.py)."""
    log = tmp_path / "subprocess-violations.log"
    env = {**os.environ, **loopback_only.env, "WECHAT_IAC_TEST_LOOPBACK_LOG": str(log)}
    code = ("import httpx, socket\n"
            "try:\n    httpx.get('https://api.weixin.qq.com/cgi-bin/token', timeout=2)\n"
            "except httpx.ConnectError as e:\n    print('refused:', e)\n"
            "socket.create_connection(('127.0.0.1', %d), timeout=5).close()\n"
            "print('loopback allowed')\n")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        result = subprocess.run([sys.executable, "-c", code % server.getsockname()[1]], env=env,
                                capture_output=True, text=True, timeout=30, check=False)
    assert "refused:" in result.stdout and "loopback allowed" in result.stdout, result
    assert "api.weixin.qq.com" in log.read_text()
    assert str(HOOKS) in env["PYTHONPATH"]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("::ffff:127.0.0.1", True), ("0.0.0.0", False), ("10.0.0.1", False), ("192.0.2.2", False),
    ("api.weixin.qq.com", False), ("localhost.evil.example", False), ("", False),
])
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
