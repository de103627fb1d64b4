"""Pulumi's Python language host, for bare `pulumi preview|up|...` in this project.

The Pulumi CLI runs a Python program through a plugin called `pulumi-language-python`, which
Pulumi ships as a Go binary built from its own, untagged module; the Go module proxy this project
builds the CLI from refuses that module (README, "The Pulumi CLI"). `bin/pulumi-language-python`
runs this module instead. It serves the same `pulumirpc.LanguageRuntime` gRPC service and, like
Pulumi's host (pulumi/pulumi `sdk/python/cmd/pulumi-language-python/main.go`), never runs the
program itself: `Run` launches the SDK's own `pulumi-language-python-exec` script with the
virtualenv's Python and the engine's arguments, so the program runs exactly as under a full
Pulumi install.

What it implements, as Pulumi's host does:
- start-up: engine address as the last argument, `-use-executor PATH`, `-version`; the port is
  printed on stdout; SIGINT (how the CLI ends plugins) stops it quietly, and so does its parent
  exiting;
- `Handshake`, `GetPluginInfo`;
- `GetRequiredPackages`: `pulumi-*` packages in the virtualenv and their `pulumiplugin.json`
  (this project has none: its dynamic providers need only the bundled `pulumi-python` plugin);
- `Run`: `<virtualenv>/bin/python pulumi-language-python-exec --monitor ... --engine ...
  --project ... --root_directory ... --stack ... --pwd ... --dry_run ... --parallel ...
  [--organization ...] <entry point> [args]`, with `PULUMI_CONFIG` and `PULUMI_CONFIG_SECRET_KEYS`
  in its environment and the virtualenv activated; exit status 32 means "the program already told
  the user" (bail); the `Cancel` call or a dropped request interrupts the program (SIGINT, then
  SIGKILL after 5 s);
- `InstallDependencies` (`pulumi install`): `python -m venv` + `pip install -r requirements.txt`;
- `RuntimeOptionsPrompts`, `About`, `GetProgramDependencies` (`pulumi about`).
Code generation, packing, linking and plugins written in Python (`RunPlugin`) are not
implemented; they answer UNIMPLEMENTED. Only the `pip` toolchain is supported.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

EXECUTOR = "pulumi-language-python-exec"
BAILED = 32  # pulumi-language-python-exec: "exited after showing the user an actionable message"
CANCEL_GRACE_SECONDS = 5.0
UNSUPPORTED = "not supported by wechat-iac's language host (bin/pulumi-language-python, runner/langhost.py)"

# Run inside the program's virtualenv: its pulumi-* packages and their pulumiplugin.json files.
_LIST_PACKAGES = """
import importlib.metadata as m, json, pathlib
found = []
for dist in m.distributions():
    name = (dist.metadata["Name"] or "").lower()
    if name.startswith("pulumi-") and name != "pulumi-policy":
        plugin = pathlib.Path(str(dist.locate_file(name.replace("-", "_") + "/pulumiplugin.json")))
        found.append({"name": name, "version": dist.version,
                      "plugin": json.loads(plugin.read_text()) if plugin.is_file() else None})
print(json.dumps(found))
"""


class ProgramError(Exception):
    """The program cannot be started: no virtualenv, no Python, an unsupported option."""


def version() -> str:
    from importlib.metadata import version as installed

    return installed("pulumi")


def find_executor(given: str | None) -> Path:
    """`-use-executor`, else the SDK's script next to this host or next to the `pulumi` CLI on PATH
    (scripts/ensure-pulumi.sh installs it there, as Pulumi's own distribution does)."""
    if given:
        return Path(given)
    candidates = [Path(__file__).resolve().parent.parent / "bin" / EXECUTOR]
    cli = shutil.which("pulumi")
    if cli:
        candidates.append(Path(cli).resolve().parent / EXECUTOR)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ProgramError(f"missing executor {EXECUTOR}: looked in {', '.join(str(c.parent) for c in candidates)}")


class PythonSetup:
    """The `runtime.options` of Pulumi.yaml, resolved: which Python runs the program, in what env."""

    def __init__(self, info: Any) -> None:
        options = json_format.MessageToDict(info.options) if info.HasField("options") else {}
        self.root = Path(info.root_directory or os.getcwd())
        self.program_dir = Path(info.program_directory or self.root)
        toolchain = str(options.get("toolchain") or "pip")
        if toolchain != "pip":
            raise ProgramError(f"runtime option toolchain: {toolchain!r} is {UNSUPPORTED}; use pip")
        self.virtualenv_option = str(options.get("virtualenv") or "")
        venv = Path(self.virtualenv_option)
        self.virtualenv = (venv if venv.is_absolute() else self.root / venv) if self.virtualenv_option else None

    @property
    def python(self) -> str:
        if self.virtualenv is None:
            command = os.environ.get("PULUMI_PYTHON_CMD") or "python3"
            found = shutil.which(command) or shutil.which("python")
            if not found:
                raise ProgramError(f"{command} was not found on PATH")
            return found
        python = self.virtualenv / "bin" / "python"
        if not python.is_file():
            raise ProgramError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {self.virtualenv_option!r}, but "
                f"{self.virtualenv} is not a virtual environment; run `make setup` (or `pulumi install`)"
            )
        return str(python)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """os.environ with the virtualenv activated, as Pulumi's `ActivateVirtualEnv` does."""
        env = dict(os.environ)
        if self.virtualenv is not None:
            env.pop("PYTHONHOME", None)
            env["PATH"] = os.pathsep.join(filter(None, [str(self.virtualenv / "bin"), env.get("PATH")]))
            env["VIRTUAL_ENV"] = str(self.virtualenv)
        env.update(extra or {})
        return env

    def run_python(self, *args: str) -> str:
        done = subprocess.run([self.python, *args], capture_output=True, text=True, check=False,
                              env=self.environment(), cwd=self.program_dir)
        if done.returncode != 0:
            raise ProgramError(f"python {' '.join(args[:3])} failed: {done.stderr.strip()[-500:]}")
        return done.stdout


def run_arguments(request: Any, engine_address: str) -> list[str]:
    """The executor's command line, argument for argument as Pulumi's `constructArguments`."""
    args: list[str] = []
    for flag, value in (
        ("monitor", request.monitor_address), ("engine", engine_address), ("project", request.project),
        ("root_directory", request.info.root_directory), ("stack", request.stack), ("pwd", request.pwd),
        ("dry_run", "true" if request.dryRun else "false"), ("parallel", str(request.parallel)),
        ("tracing", ""), ("organization", request.organization),
    ):
        if value:
            args += [f"--{flag}", value]
    args.append(request.info.entry_point or request.program or ".")
    return [*args, *request.args]


def package_dependency(found: dict[str, Any]) -> language_pb2.GetRequiredPackagesResponse | None:
    """One `pulumi-*` package as a plugin dependency (Pulumi's `packageDependencyFromPluginJSON`)."""
    plugin = found.get("plugin") or {}
    if plugin and not plugin.get("resource", True):
        return None
    name = plugin.get("name") or found["name"].removeprefix("pulumi-")
    version = str(plugin.get("version") or found["version"])
    if not all(part.isdigit() for part in version.removeprefix("v").split(".")):
        return None  # a pre-release whose plugin version cannot be derived: Pulumi skips it too
    return plugin_pb2.PackageDependency(name=name, version="v" + version.removeprefix("v"), kind="resource",
                                        server=plugin.get("server") or "")


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, executor: Path, engine_address: str) -> None:
        self.executor = executor
        self.engine_address = engine_address
        self.cancelled = threading.Event()
        self.children: set[subprocess.Popen[bytes]] = set()
        self.lock = threading.Lock()

    # --- the calls every command makes -------------------------------------------------------
    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address or self.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=version())

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "GetRequiredPlugins is replaced by GetRequiredPackages")

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        try:
            setup = PythonSetup(request.info)
            found = json.loads(setup.run_python("-c", _LIST_PACKAGES))
        except (ProgramError, ValueError) as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        packages = [dep for dep in map(package_dependency, found) if dep is not None]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def Run(self, request: Any, context: Any) -> Any:
        try:
            setup = PythonSetup(request.info)
            command = [setup.python, str(self.executor), *run_arguments(request, self.engine_address)]
        except ProgramError as error:
            return language_pb2.RunResponse(error=str(error))
        env = setup.environment({
            "PULUMI_CONFIG": json.dumps(dict(request.config)),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(request.configSecretKeys)),
        })
        try:
            child = subprocess.Popen(command, env=env)  # stdout/stderr: ours, which the engine reads
        except OSError as error:
            return language_pb2.RunResponse(error=f"problem executing program (could not run language executor): "
                                                  f"{error}")
        with self.lock:
            self.children.add(child)
        context.add_callback(lambda: self._interrupt(child))
        try:
            status = child.wait()
        finally:
            with self.lock:
                self.children.discard(child)
        if status == 0:
            return language_pb2.RunResponse()
        if status == BAILED:
            return language_pb2.RunResponse(bail=True)
        if status < 0:
            return language_pb2.RunResponse(error=f"program exited unexpectedly: signal {-status}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {status}")

    def Cancel(self, request: Any, context: Any) -> Any:
        self.cancelled.set()
        with self.lock:
            running = list(self.children)
        for child in running:
            self._interrupt(child)
        return empty_pb2.Empty()

    def _interrupt(self, child: subprocess.Popen[bytes]) -> None:
        """As Pulumi's host cancels a run: SIGINT, then SIGKILL if it has not ended 5 s later."""
        if child.poll() is not None:
            return
        child.send_signal(signal.SIGINT)

        def kill_later() -> None:
            try:
                child.wait(CANCEL_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()

        threading.Thread(target=kill_later, daemon=True).start()

    # --- `pulumi install`, `pulumi about`, `pulumi new` --------------------------------------
    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        try:
            setup = PythonSetup(request.info)
        except ProgramError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        yield language_pb2.InstallDependenciesResponse(stdout=b"Installing dependencies...\n\n")
        steps: list[list[str]] = []
        if setup.virtualenv is not None and not (setup.virtualenv / "bin" / "python").is_file():
            steps.append([shutil.which("python3") or sys.executable, "-m", "venv", str(setup.virtualenv)])
        requirements = setup.program_dir / "requirements.txt"
        if requirements.is_file():
            steps.append(["{python}", "-m", "pip", "install", "-r", str(requirements)])
        for step in steps:
            argv = [setup.python if part == "{python}" else part for part in step]
            done = subprocess.run(argv, capture_output=True, cwd=setup.program_dir, env=setup.environment(),
                                  check=False)
            yield language_pb2.InstallDependenciesResponse(stdout=done.stdout, stderr=done.stderr)
            if done.returncode != 0:
                context.abort(grpc.StatusCode.UNKNOWN, f"{' '.join(argv[1:4])} failed with status {done.returncode}")
        yield language_pb2.InstallDependenciesResponse(stdout=b"Finished installing dependencies\n\n")

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        options = json_format.MessageToDict(request.info.options) if request.info.HasField("options") else {}
        string = language_pb2.RuntimeOptionPrompt.STRING
        prompts = []
        if "toolchain" not in options:
            pip = language_pb2.RuntimeOptionPrompt.RuntimeOptionValue(promptType=string, stringValue="pip",
                                                                      displayName="pip")
            prompts.append(language_pb2.RuntimeOptionPrompt(
                key="toolchain", description="The toolchain to use for installing dependencies and running the program",
                promptType=string, choices=[pip], default=pip))
        elif options.get("toolchain") == "pip" and "virtualenv" not in options:
            venv = language_pb2.RuntimeOptionPrompt.RuntimeOptionValue(promptType=string, stringValue="venv")
            prompts.append(language_pb2.RuntimeOptionPrompt(
                key="virtualenv", description="The virtualenv to use", promptType=string, choices=[venv],
                default=venv))
        return language_pb2.RuntimeOptionsResponse(prompts=prompts)

    def About(self, request: Any, context: Any) -> Any:
        try:
            setup = PythonSetup(request.info)
            executable = setup.run_python("-c", "import sys; print(sys.executable)").strip()
            python_version = setup.run_python("-c", "import platform; print(platform.python_version())").strip()
        except ProgramError as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        return language_pb2.AboutResponse(executable=executable, version=python_version,
                                          metadata={"toolchain": "pip", "typechecker": "none"})

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        try:
            setup = PythonSetup(request.info)
            listed = json.loads(setup.run_python("-m", "pip", "list", "--format", "json",
                                                 *([] if request.transitiveDependencies else ["--not-required"])))
        except (ProgramError, ValueError) as error:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(error))
        return language_pb2.GetProgramDependenciesResponse(dependencies=[
            language_pb2.DependencyInfo(name=item["name"], version=item["version"]) for item in listed])


def _unsupported(name: str) -> Any:
    def method(self: LanguageHost, request: Any, context: Any) -> Any:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{name} is {UNSUPPORTED}")

    return method


for _name in ("Template", "GenerateProject", "GenerateProgram", "GeneratePackage", "Pack", "Link", "RunPlugin"):
    setattr(LanguageHost, _name, _unsupported(_name))


def parse_arguments(argv: list[str]) -> tuple[str | None, str, bool]:
    """Go-style flags, tolerantly: the engine may add `-v=N`, `--logtostderr`, `--tracing URL`."""
    executor, engine, show_version = None, "", False
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        name, _, inline = arg.lstrip("-").partition("=")
        if not arg.startswith("-"):
            engine = arg
        elif name == "version":
            show_version = True
        elif name in ("use-executor", "tracing", "root", "virtualenv"):
            value = inline or (rest.pop(0) if rest else "")
            executor = value if name == "use-executor" else executor
    return executor, engine, show_version


def main(argv: list[str] | None = None) -> int:
    executor_flag, engine_address, show_version = parse_arguments(sys.argv[1:] if argv is None else argv)
    if show_version:
        print(version())
        return 0
    try:
        executor = find_executor(executor_flag)
    except ProgramError as error:
        print(f"pulumi-language-python: {error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    host = LanguageHost(executor, engine_address)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    parent = os.getppid()
    while not stop.wait(1.0):
        if os.getppid() != parent:  # the CLI is gone (killed): nobody will ever stop us
            break
    host.Cancel(None, None)
    server.stop(grace=1.0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
