"""The executor: a plan's calls sent in order, exactly as planned, and nothing else.

`execute(provider, run)` walks `run.plan.calls`:

1. a call that names a guard (`guard_<name>(run)` on the provider) is read for right before it is
   sent: the guard returns True (send), False (already in effect: skip), raises (refuse), or raises
   `Stop` (end this run's writes here, short of the target, without failing the resource);
2. its args are resolved (`resolve`: each `Ref` by the answer of the earlier call it names, each
   `File` by its bytes, refused if its content changed since the plan) and it is sent through the
   provider's `send` (the client's `send(method, path, args)`, the one road to WeChat);
3. a write whose answer is lost (AmbiguousWriteError, errcode -1) or that WeChat answers as a
   conflict is settled by reading (`settle`): the call's named `landed_<name>(run, error)` read, or
   else a plan made from a fresh read, which no longer lists a call that took effect. In effect:
   the run goes on with what the read shows; not in effect: it stops, and the call is never sent
   again in this run (the next `up` re-reads and does only what is missing).

`check_reviewed` is `up --plan FILE`: each resource refuses writes the reviewed plan does not list.
"""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from providers import _events
from providers._errors import RefusedError
from providers._plan import ApiCall, File, Plan, Ref
from wechat import AmbiguousWriteError, APIError, ConflictError, ServerBusyError

if TYPE_CHECKING:
    from providers._base import Context, WeChatResourceProvider

Props = dict[str, Any]
Answers = list[Props]  # what each call of a plan answered, by step

REVIEWED_PLAN_ENV = "WECHAT_IAC_REVIEWED_PLAN"  # `up --plan FILE`: refuse writes the review did not see
UNSETTLED = (AmbiguousWriteError, ServerBusyError, ConflictError)  # settled by reading


def execute(provider: WeChatResourceProvider, run: Run) -> Answers:
    """Send the plan's calls in order, exactly as planned; what each answered, by step."""
    ctx, kind = run.ctx, provider.kind
    while run.step < len(run.plan.calls):
        call = run.call
        try:
            go = not call.guard or getattr(provider, f"guard_{call.guard}")(run)
        except Stop as stop:
            _events.emit("unfinished", ctx.appid, kind, [f"{ctx.appid} {kind}: {stop}"], reason=str(stop))
            break
        if not go:
            _events.say(ctx.appid, kind, f"{call.path}: already in effect (read just now): not sent")
            run.answers.append({})
            continue
        try:
            answer = provider.send(run, call, resolve(call.args, run.answers))
            run.acknowledged.add(run.step)
        except UNSETTLED as error:
            answer = settle(provider, run, error)
        except APIError as error:
            raise provider.explain(run, error) from None
        run.answers.append(answer)
        _events.say(ctx.appid, kind, f"✓ {call.path}: {call.summary}", event="write")
    return run.answers


def settle(provider: WeChatResourceProvider, run: Run, error: Exception) -> Props:
    """After a lost answer or a conflict: what the call answered, if a fresh read shows it in effect."""
    call = run.call
    if call.landed:
        answer = getattr(provider, f"landed_{call.landed}")(run, error)
    else:  # in effect when a plan made from a fresh read no longer needs it
        answer = None if call.wire() in [fresh.wire() for fresh in run.replan()] else {}
    if answer is not None:
        how = "already done" if isinstance(error, ConflictError) else "the answer was lost, but"
        _events.say(run.ctx.appid, provider.kind, f"{call.path}: {how} the live state shows the call took effect")
        return answer
    if isinstance(error, APIError) and not isinstance(error, ServerBusyError):
        raise provider.explain(run, error) from None
    raise RefusedError(
        f"{run.ctx.appid} {provider.kind}: {call.path} ({call.summary}): {error} A fresh read shows it did not "
        f"take effect, and it was not sent again.{run.done_text()} Run `pulumi up` again: it re-reads the "
        "live state and does only what is missing."
    ) from None


class Stop(Exception):
    """A guard ends this run's writes short of the target without failing the resource (an audit
    still under review when the wait is over): the outputs are recorded, the rest waits for the next
    `up`, and the runner exits non-zero with this as the reason."""


@dataclass
class Run:
    """One execution of a plan: what the executor's hooks (guard_*, landed_*, explain, record) see."""

    ctx: Context
    plan: Plan
    live: Props | None  # the live state the plan was made from
    replan: Callable[[], list[ApiCall]] = field(repr=False)  # the calls a plan from a fresh read makes
    answers: Answers = field(default_factory=list)  # what each call answered so far, by step
    olds: Props | None = None  # the last outputs (hints: they may only make a guard refuse or skip)
    desired: Props = field(default_factory=dict)  # the normalized spec the plan was made for
    acknowledged: set[int] = field(default_factory=set)  # steps WeChat answered (not skipped, not settled)

    @property
    def step(self) -> int:
        return len(self.answers)

    @property
    def call(self) -> ApiCall:
        return self.plan.calls[self.step]

    def done_text(self) -> str:
        done = self.plan.calls[: self.step]
        return f" Already done in this run: {'; '.join(call.summary for call in done)}." if done else ""


def resolve(value: Any, answers: Answers) -> Any:
    """Args as the client sends them: each Ref by the answer it names, each File by its bytes."""
    if isinstance(value, Ref):
        found = answers[value.step].get(value.field) if value.step < len(answers) else None
        if found in (None, ""):
            raise RefusedError(f"call {value.step + 1} of the plan answered no {value.field!r}; nothing after it "
                               "was sent")
        return found
    if isinstance(value, File):
        content = Path(value.path).read_bytes()
        if File.of(value.path) != value:
            raise RefusedError(f"{value.path} changed since the plan was made (sha256 {value.sha256[:12]}); "
                               "make the plan again")
        mime = mimetypes.guess_type(value.path)[0] or "application/octet-stream"
        return (Path(value.path).name, content, mime)
    if isinstance(value, dict):
        return {key: resolve(item, answers) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, answers) for item in value]
    return value


_reviewed: dict[str, dict[tuple[str, str], list[Any]]] = {}


def check_reviewed(plan: Plan) -> None:
    """With `up --plan FILE`: refuse unless this resource's writes are the ones that file lists."""
    path = os.environ.get(REVIEWED_PLAN_ENV)
    if not path:
        return
    if path not in _reviewed:
        _reviewed[path] = reviewed_writes(json.loads(Path(path).read_text(encoding="utf-8")))
    reviewed = _reviewed[path].get((plan.appid, plan.resource), [])
    now = [list(call.wire()) for call in plan.calls]
    if now != reviewed:
        raise RefusedError(
            f"{plan.appid} {plan.resource}: the writes `up` would make differ from the reviewed plan ({path}): "
            f"reviewed {_paths(reviewed)}, now {_paths(now)}. The live state or the spec changed since the "
            "review: make the plan again and have it reviewed"
        )


def reviewed_writes(data: dict[str, Any]) -> dict[tuple[str, str], list[Any]]:
    """(appid, resource) -> its calls as [method, path, args], from a plan file (`runner plan --json`)."""
    found: dict[tuple[str, str], list[Any]] = {}
    for app in data.get("apps") or []:
        for resource in app.get("resources") or []:
            plan = resource.get("plan") or {}
            calls = [[call["method"], call["path"], call.get("args") or {}] for call in plan.get("calls") or []]
            found[(str(plan.get("appid")), str(plan.get("resource")))] = calls
    return found


def _paths(calls: list[Any]) -> str:
    return "[" + ", ".join(str(call[1]) for call in calls) + "]" if calls else "no write"
