"""The project's language host over real gRPC (bin/pulumi-language-python, runner/langhost.py), with a
stand-in executor that records how it was launched. The end-to-end proof with the Pulumi CLI is
tests/e2e/test_production_bare_pulumi.py."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

from runner.env import PROJECT_DIR

FAKE_EXECUTOR = """
import json, os, sys, time
if sys.argv[-1] == "sleep":
    time.sleep(60)
with open(os.environ["FAKE_OUT"], "w") as out:
    json.dump({"argv": sys.argv[1:], "config": os.environ.get("PULUMI_CONFIG"),
               "secret_keys": os.environ.get("PULUMI_CONFIG_SECRET_KEYS"), "venv": os.environ.get("VIRTUAL_ENV"),
               "python": sys.executable}, out)
sys.exit(int(sys.argv[-1].removeprefix("exit=")))
"""


class Host:
    def __init__(self, process: subprocess.Popen[str], stub: Any, record: Path) -> None:
        self.process, self.stub, self.record = process, stub, record


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    executor = tmp_path / "fake-exec"
    executor.write_text(FAKE_EXECUTOR)
    record = tmp_path / "record.json"
    process = subprocess.Popen([str(PROJECT_DIR / "bin" / "pulumi-language-python"), "-use-executor", str(executor),
                                "127.0.0.1:9"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={"PATH": "/usr/bin:/bin", "FAKE_OUT": str(record)})
    assert process.stdout is not None
    port = int(process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield Host(process, language_pb2_grpc.LanguageRuntimeStub(channel), record)
    channel.close()
    if process.poll() is None:
        process.kill()
        process.wait()


def program_info() -> language_pb2.ProgramInfo:
    options = struct_pb2.Struct()
    options.update({"toolchain": "pip", "virtualenv": ".venv"})
    return language_pb2.ProgramInfo(root_directory=str(PROJECT_DIR), program_directory=str(PROJECT_DIR),
                                    entry_point=".", options=options)


def run_request(*args: str) -> language_pb2.RunRequest:
    return language_pb2.RunRequest(
        project="wechat-iac", stack="dev", pwd=str(PROJECT_DIR), monitor_address="127.0.0.1:4001", dryRun=True,
        parallel=16, config={"wechat-iac:baseUrl": "http://127.0.0.1:9"}, configSecretKeys=["wechat-iac:s"],
        organization="organization", info=program_info(), args=list(args))


def test_run_launches_the_executor_as_pulumis_host_does(host: Host) -> None:
    host.stub.Handshake(language_pb2.LanguageHandshakeRequest(engine_address="127.0.0.1:4000"))
    response = host.stub.Run(run_request("exit=0"))

    assert (response.error, response.bail) == ("", False)
    seen = json.loads(host.record.read_text())
    assert seen["argv"] == ["--monitor", "127.0.0.1:4001", "--engine", "127.0.0.1:4000", "--project", "wechat-iac",
                            "--root_directory", str(PROJECT_DIR), "--stack", "dev", "--pwd", str(PROJECT_DIR),
                            "--dry_run", "true", "--parallel", "16", "--organization", "organization", ".", "exit=0"]
    assert json.loads(seen["config"]) == {"wechat-iac:baseUrl": "http://127.0.0.1:9"}
    assert json.loads(seen["secret_keys"]) == ["wechat-iac:s"]
    assert seen["venv"] == str(PROJECT_DIR / ".venv")  # the virtualenv from Pulumi.yaml's options, activated
    assert seen["python"].startswith(str(PROJECT_DIR / ".venv"))


def test_exit_status_32_means_the_program_already_told_the_user(host: Host) -> None:
    assert host.stub.Run(run_request("exit=32")).bail is True
    assert host.stub.Run(run_request("exit=3")).error == "program exited with non-zero exit code: 3"


def test_a_missing_virtualenv_is_a_clear_error(host: Host) -> None:
    request = run_request("exit=0")
    request.info.options.update({"virtualenv": "no-such-venv"})
    error = host.stub.Run(request).error
    assert "'no-such-venv'" in error and "make setup" in error


def test_cancel_interrupts_a_running_program(host: Host) -> None:
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(response=host.stub.Run(run_request("sleep"))))
    thread.start()
    time.sleep(1.5)
    started = time.monotonic()
    host.stub.Cancel(empty_pb2.Empty())
    thread.join(15)
    assert time.monotonic() - started < 10 and result["response"].error


def test_the_calls_pulumi_makes_around_a_run(host: Host) -> None:
    assert host.stub.GetPluginInfo(empty_pb2.Empty()).version
    packages = host.stub.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=program_info()))
    assert list(packages.packages) == []  # only the bundled pulumi-python plugin: nothing to install
    prompts = host.stub.RuntimeOptionsPrompts(language_pb2.RuntimeOptionsRequest(info=language_pb2.ProgramInfo()))
    assert [prompt.key for prompt in prompts.prompts] == ["toolchain"]
    about = host.stub.About(language_pb2.AboutRequest(info=program_info()))
    assert about.executable.startswith(str(PROJECT_DIR / ".venv")) and about.metadata["toolchain"] == "pip"
    with pytest.raises(grpc.RpcError) as raised:
        host.stub.GenerateProject(language_pb2.GenerateProjectRequest())
    assert raised.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_sigint_stops_it_quietly(host: Host) -> None:
    host.process.send_signal(signal.SIGINT)
    _out, err = host.process.communicate(timeout=15)
    assert host.process.returncode == 0 and "Traceback" not in err, err


def test_version_flag() -> None:
    done = subprocess.run([str(PROJECT_DIR / "bin" / "pulumi-language-python"), "-version"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == Path(PROJECT_DIR / ".pulumi-version").read_text().strip()
