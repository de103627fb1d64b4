"""The REAL `miniprogram-ci` (node_modules, pinned in package.json) through scripts/mp-upload.mjs.

Nothing here reaches WeChat: every run goes through a local proxy (HTTPS_PROXY, which miniprogram-ci
honours) that records what it is asked for and answers 502. What runs for real, offline:
- `upload --dry-run`: ci.Project is built from the fixture project, every input is validated, the
  key signs as miniprogram-ci signs; the options ci.upload would get are printed;
- `upload`: the real ci.upload, up to its first network call (which the proxy refuses);
- `compile`: ci.getCompiledResult, the real WeChat compiler, with the project attributes supplied
  locally (its one optional lookup, getwhiteextlist, fails at the proxy and is skipped);
- `pack-npm`: ci.packNpm (构建npm).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from providers._source_ci import (
    MP_UPLOAD_SCRIPT,
    NPM_INSTALL_COMMAND,
    PROJECT_ROOT,
    MiniProgramCIError,
    miniprogram_ci_installed,
    run_mp_upload,
)
from providers._source_folder import check_source_folder

pytestmark = pytest.mark.contract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "miniprogram"
VALID = FIXTURES / "valid"
DEV_APPID = "wx4444444444444444"
PINNED = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["miniprogram-ci"]


@pytest.fixture(scope="session")
def miniprogram_ci() -> Path:
    """node_modules/miniprogram-ci, installed with the project's own command if it is missing."""
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed, so miniprogram-ci (an npm package) cannot run")
    if not miniprogram_ci_installed():
        command = " ".join(NPM_INSTALL_COMMAND)
        if shutil.which("npm") is None:
            pytest.skip(f"node_modules/miniprogram-ci is absent and npm is not installed to run `{command}`")
        done = subprocess.run(NPM_INSTALL_COMMAND, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=900, check=False)
        if done.returncode != 0 or not miniprogram_ci_installed():
            output = (done.stderr or done.stdout).splitlines()
            lines = [line for line in output if line.removeprefix("npm error").strip()]
            tail = " | ".join(lines[:3])[:400]
            pytest.skip(f"node_modules/miniprogram-ci is absent and `{command}` failed "
                        f"(exit {done.returncode}): {tail}")
    return PROJECT_ROOT / "node_modules" / "miniprogram-ci"


def _generate_key(target: Path) -> None:
    """A throwaway 2048-bit RSA key in PKCS#1 PEM, the format of WeChat's code-upload keys."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        pass
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        target.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.TraditionalOpenSSL,
                                             serialization.NoEncryption()))
        return
    openssl = shutil.which("openssl")
    if openssl is not None:
        for extra in (["-traditional"], []):  # OpenSSL 3 needs -traditional for PKCS#1; 1.x has no flag
            done = subprocess.run([openssl, "genrsa", *extra, "-out", str(target), "2048"],
                                  capture_output=True, check=False)
            if done.returncode == 0:
                return
    script = ("const {generateKeyPairSync}=require('crypto');"
              "process.stdout.write(generateKeyPairSync('rsa',{modulusLength:2048}).privateKey"
              ".export({type:'pkcs1',format:'pem'}))")
    target.write_bytes(subprocess.run(["node", "-e", script], capture_output=True, check=True).stdout)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("upload-key") / "private.wx4444444444444444.key"
    _generate_key(target)
    target.chmod(0o600)
    assert target.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    return target


class RefusingProxy:
    """An HTTP proxy on 127.0.0.1 that records each request line and answers 502 Bad Gateway."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def env(self) -> dict[str, str]:
        return {"HTTPS_PROXY": self.url, "https_proxy": self.url, "HTTP_PROXY": self.url,
                "http_proxy": self.url, "NO_PROXY": "", "no_proxy": ""}

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    head = conn.recv(65536).split(b"\r\n", 1)[0].decode("latin-1")
                    self.requests.append(head)
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    server = RefusingProxy()
    yield server
    server.close()


def options(**overrides: Any) -> dict[str, Any]:
    base = {"appid": DEV_APPID, "projectPath": str(VALID), "version": "1.2.3", "desc": "contract test",
            "robot": 7, "setting": {"es6": True, "minify": True}}
    return {**base, **overrides}


def raw_run(args: list[str], stdin: dict[str, Any], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["node", str(MP_UPLOAD_SCRIPT), *args, "--stdin"], input=json.dumps(stdin),
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env}, check=False)


# --- the package -------------------------------------------------------------------------------------
def test_the_installed_package_is_the_exact_pin(miniprogram_ci: Path) -> None:
    assert PINNED == "2.1.42"  # exact, no range
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/miniprogram-ci"]["version"] == PINNED
    installed = json.loads((miniprogram_ci / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == PINNED


# --- upload --dry-run ----------------------------------------------------------------------------------
def test_dry_run_prints_the_exact_upload_options(miniprogram_ci: Path, key_file: Path,
                                                 proxy: RefusingProxy) -> None:
    result = run_mp_upload("upload", options(), private_key_path=key_file, dry_run=True, extra_env=proxy.env,
                           timeout=120)
    assert result["ok"] is True and result["dryRun"] is True and result["ciVersion"] == PINNED
    assert result["upload"] == {
        "project": "<ci.Project>",
        "version": "1.2.3",
        "desc": "contract test",
        "robot": 7,
        "setting": {"es6": True, "minify": True},
        "onProgressUpdate": "<function progress>",
    }
    assert result["project"] == {
        "appid": DEV_APPID,
        "type": "miniProgram",
        "projectPath": str(VALID.resolve()),
        "ignores": ["node_modules/**/*"],
        "privateKey": {"file": str(key_file)},
    }
    assert result["key"] == {"type": "rsa", "bits": 2048}
    assert result["thirdParty"] == {"extEnable": True, "extAppid": "wx2222222222222222"}
    assert proxy.requests == []  # a dry run makes no network call


def test_dry_run_defaults(miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy) -> None:
    result = run_mp_upload("upload", {"appid": DEV_APPID, "projectPath": str(VALID), "version": "9"},
                           private_key_path=key_file, dry_run=True, extra_env=proxy.env, timeout=120)
    assert result["upload"] == {"project": "<ci.Project>", "version": "9", "desc": "", "robot": 1,
                                "setting": {}, "onProgressUpdate": "<function progress>"}


def test_the_key_from_the_environment_is_never_printed(miniprogram_ci: Path, key_file: Path,
                                                       proxy: RefusingProxy) -> None:
    key = key_file.read_text()
    body = [line for line in key.splitlines() if "PRIVATE KEY" not in line]
    env = {**proxy.env, "MP_UPLOAD_PRIVATE_KEY": key}
    dry = raw_run(["upload", "--dry-run"], options(), env)
    real = raw_run(["upload"], options(), env)  # the real ci.upload, refused at the proxy
    assert dry.returncode == 0 and json.loads(dry.stdout)["project"]["privateKey"] == {"env": "MP_UPLOAD_PRIVATE_KEY"}
    assert real.returncode == 1
    for done in (dry, real):
        assert len(done.stdout.strip().splitlines()) == 1  # one JSON line; miniprogram-ci's chatter is on stderr
        for line in body:
            assert line not in done.stdout and line not in done.stderr


@pytest.mark.parametrize(("overrides", "message"), [
    ({"robot": 31}, "robot must be an integer 1..30"),
    ({"robot": 0}, "robot must be an integer 1..30"),
    ({"setting": {"es6": True, "obfuscate": True}}, "unknown setting obfuscate"),
    ({"setting": {"minify": "yes"}}, "setting minify must be true or false"),
    ({"version": ""}, "version is required"),
    ({"version": "v" * 65}, "longer than 64 characters"),
    ({"appid": "wx5555555555555555"}, "project.config.json says appid wx4444444444444444"),
    ({"appid": "touristappid"}, "is not a mini-program appid"),
    ({"projectPath": str(FIXTURES)}, "project.config.json does not exist"),
    ({"privateKey": "-----BEGIN RSA PRIVATE KEY-----"}, "the private key itself is never accepted"),
])
def test_dry_run_rejects_bad_inputs(miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy,
                                    overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(MiniProgramCIError, match="failed at input") as caught:
        run_mp_upload("upload", options(**overrides), private_key_path=key_file, dry_run=True,
                      extra_env=proxy.env, timeout=120)
    assert message in str(caught.value)
    assert proxy.requests == []


def test_a_key_that_is_not_an_rsa_pem_is_rejected_offline(miniprogram_ci: Path, tmp_path: Path,
                                                          proxy: RefusingProxy) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    with pytest.raises(MiniProgramCIError, match="not a PEM private key"):
        run_mp_upload("upload", options(), private_key_path=bad, dry_run=True, extra_env=proxy.env, timeout=120)
    with pytest.raises(MiniProgramCIError, match="no private key"):
        run_mp_upload("upload", options(privateKeyEnv="NO_SUCH_VARIABLE_SET"), dry_run=True,
                      extra_env=proxy.env, timeout=120)


# --- the real upload, stopped at the network -----------------------------------------------------------
def test_upload_goes_to_servicewechat_and_fails_with_a_structured_redacted_error(
        miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy) -> None:
    key = key_file.read_text()
    with pytest.raises(MiniProgramCIError) as caught:
        run_mp_upload("upload", options(), private_key=key, extra_env=proxy.env, timeout=120)
    message = str(caught.value)
    assert "miniprogram-ci upload failed at upload (code 20001)" in message  # GET_SIGNATURE_RAND_STRING_ERR
    assert "could not reach servicewechat.com" in message
    assert "PRIVATE KEY" not in message and key.splitlines()[1] not in message
    assert proxy.requests and all(r == "CONNECT servicewechat.com:443 HTTP/1.1" for r in proxy.requests)


# --- offline steps of the real package -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["valid", "subpackages"])
def test_offline_compile_packs_exactly_the_files_the_local_check_counts(
        miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy, tmp_path: Path, name: str) -> None:
    project = FIXTURES / name
    zip_path = tmp_path / "compiled.zip"
    result = run_mp_upload("compile", {**options(projectPath=str(project)), "savePath": str(zip_path)},
                           private_key_path=key_file, extra_env=proxy.env, timeout=180)
    compiled = result["compiled"]["files"]
    report = check_source_folder(project, expected_appid=DEV_APPID, third_party=True)
    assert set(compiled) == set(report.files)  # same files: node_modules and packOptions.ignore excluded
    assert result["compiled"]["totalBytes"] == sum(compiled.values()) > 0
    assert result["attr"]["setting"]["MaxCodeSize"] == 2  # miniprogram-ci's built-in default, in MB
    with zipfile.ZipFile(zip_path) as archive:
        names = {n.removeprefix("./") for n in archive.namelist() if not n.endswith("/")}
    assert names == set(compiled)
    assert not (project / "miniprogram_npm").exists()


def test_offline_compile_reports_a_broken_page(miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy,
                                               tmp_path: Path) -> None:
    project = tmp_path / "broken"
    shutil.copytree(VALID, project)
    (project / "pages" / "index" / "index.js").write_text("Page({ data: { a: 1 }\n", encoding="utf-8")
    with pytest.raises(MiniProgramCIError, match="failed at compile") as caught:
        run_mp_upload("compile", options(projectPath=str(project)), private_key_path=key_file,
                      extra_env=proxy.env, timeout=180)  # es6 on: babel parses every page
    assert "pages/index/index.js" in str(caught.value) and "Unexpected token" in str(caught.value)


def test_pack_npm_builds_miniprogram_npm(miniprogram_ci: Path, key_file: Path, proxy: RefusingProxy,
                                         tmp_path: Path) -> None:
    project = tmp_path / "with-npm"
    shutil.copytree(VALID, project)
    (project / "package.json").write_text(json.dumps(
        {"name": "fixture", "version": "1.0.0", "dependencies": {"tiny-lib": "1.0.0"}}), encoding="utf-8")
    lib = project / "node_modules" / "tiny-lib"
    (lib / "miniprogram_dist").mkdir(parents=True)
    (lib / "package.json").write_text(json.dumps(
        {"name": "tiny-lib", "version": "1.0.0", "main": "index.js", "miniprogram": "miniprogram_dist"}),
        encoding="utf-8")
    (lib / "index.js").write_text("module.exports = {}\n", encoding="utf-8")
    (lib / "miniprogram_dist" / "index.js").write_text("module.exports = { add: (a, b) => a + b }\n",
                                                       encoding="utf-8")
    dry = run_mp_upload("pack-npm", {"appid": DEV_APPID, "projectPath": str(project)},
                        private_key_path=key_file, dry_run=True, extra_env=proxy.env, timeout=120)
    assert dry["dryRun"] is True and not (project / "miniprogram_npm").exists()
    result = run_mp_upload("pack-npm", {"appid": DEV_APPID, "projectPath": str(project)},
                           private_key_path=key_file, extra_env=proxy.env, timeout=120)
    assert result["packNpm"] == {"warnings": []}
    built = project / "miniprogram_npm" / "tiny-lib" / "index.js"
    assert "a + b" in built.read_text(encoding="utf-8")
    assert proxy.requests == []
