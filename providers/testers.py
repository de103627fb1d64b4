"""Testers: experience members (体验成员), bound and unbound one WeChat id at a time.

Live read: `wxa/memberauth` action=get_experiencer, which lists opaque userstrs, never WeChat ids.
So the resource keeps what `wxa/bind_tester` answered: output `userstrs` maps each declared WeChat id
to its userstr. Drift is read from the list: a userstr we bound that is gone was unbound outside
Pulumi (it is bound again); a listed userstr we do not know was bound outside Pulumi (unbound only
with `authoritative: true`, otherwise kept with a warning).
Writes: one `wxa/bind_tester` per tester to add and one `wxa/unbind_tester` per tester to remove
(by userstr when known, by WeChat id otherwise), unbinds first so they free places for the binds.
A run with nothing to change writes nothing.

85004 (already bound) on bind: the person is a tester, but WeChat will not tell their userstr. They
are recorded in output `unmapped` with a warning, never silently unbound and bound again to learn it:
that would cut their access for nothing. With `authoritative: true` their userstr cannot be told
apart from testers bound outside Pulumi, so every unknown tester is unbound and they are bound again,
shown in the plan. A bind whose answer is lost (or errcode -1) is settled by re-reading memberauth,
and sent once more only if the list shows it did not land.
Owner credentials can neither read nor write testers (48001): every change is a manual step, planned
against the last declared roster. Delete: forgets; the testers stay bound (no option unbinds them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from providers._base import Context, Props, WeChatResource, WeChatResourceProvider
from providers._diff import set_changes
from providers._plan import ApiCall, Change, Plan
from providers.models import TestersSpec
from providers.models.account import EXPERIENCE_MEMBER_LIMITS
from wechat import AmbiguousWriteError, APIError, ConflictError, MiniProgramClient, ServerBusyError

BIND, UNBIND = "/wxa/bind_tester", "/wxa/unbind_tester"
ALREADY_BOUND = 85004
UNSETTLED = (AmbiguousWriteError, ServerBusyError)  # the write may or may not have landed


def key(wechat_id: str) -> str:
    return wechat_id.casefold()  # WeChat ids are case-insensitive


def short(userstr: str) -> str:
    return f"{userstr[:10]}…" if len(userstr) > 10 else userstr


@dataclass(frozen=True)
class Op:
    """One write of the plan: bind `wechat_id`, or unbind by `userstr` (else by `wechat_id`)."""

    bind: bool
    wechat_id: str | None = None
    userstr: str | None = None


def decide(appid: str, desired: Props, live: Props | None, olds: Props | None) -> tuple[Plan, list[Op]]:
    """The plan and the writes that carry it out, in order; pure, so apply() re-derives the same."""
    plan, ops = Plan("testers", appid), []
    want = {key(wechat_id): wechat_id for wechat_id in desired["members"]}

    def call(op: Op, change: Change, summary: str) -> None:
        plan.changes.append(change)
        plan.calls.append(ApiCall(BIND if op.bind else UNBIND, summary))
        ops.append(op)

    if live is None:  # owner mode: nothing readable; compare with the roster declared last time
        last = [want.get(key(w), w) for w in (olds["spec"]["members"] if olds else [])]
        for change in set_changes("members", last, desired["members"]):
            if change.op == "add":
                call(Op(True, change.new), change, f"bind {change.new} as a tester")
            else:
                call(Op(False, change.old), change, f"unbind {change.old}")
        return plan, ops

    known = {key(w): (w, u) for w, u in ((olds or {}).get("userstrs") or {}).items()}
    unmapped = {key(w): w for w in (olds or {}).get("unmapped") or []}
    listed = set(live["userstrs"])
    unknown = sorted(listed - {u for _, u in known.values()})
    authoritative = bool(desired["authoritative"])
    for k, (wechat_id, userstr) in sorted(known.items()):
        if k not in want and userstr in listed:  # already gone from the list: nothing to do
            call(Op(False, userstr=userstr), Change("members", "remove", old=wechat_id), f"unbind {wechat_id}")
    for k, wechat_id in sorted(unmapped.items()):
        if k in want:
            continue
        if authoritative and unknown:  # if still bound, theirs is one of the unknown userstrs unbound below
            plan.changes.append(Change("members", "remove", old=wechat_id))
        else:
            call(Op(False, wechat_id), Change("members", "remove", old=wechat_id),
                 f"unbind {wechat_id} by WeChat id (its userstr was never known)")
    if unknown and authoritative:
        for userstr in unknown:
            call(Op(False, userstr=userstr),
                 Change("members", "remove", old=f"tester {short(userstr)} (bound outside Pulumi)", drift=True),
                 f"unbind the tester with userstr {short(userstr)} (authoritative: true)")
    elif unknown:
        plan.warnings.append(
            f"drift: {len(unknown)} tester(s) bound outside Pulumi (userstr {', '.join(map(short, unknown))}): "
            "kept, because `authoritative` is false"
        )
    pending = [w for k, w in want.items() if k in unmapped]  # bound, userstr unknown (85004)
    cleared = authoritative and bool(unknown)  # every unknown userstr, theirs included, is unbound above
    lost = len(pending) > len(unknown)  # fewer unknown userstrs than such testers: some were unbound
    for k, wechat_id in want.items():
        if k in known:
            if known[k][1] not in listed:
                call(Op(True, wechat_id), Change("members", "add", new=wechat_id, drift=True),
                     f"bind {wechat_id} again (unbound outside Pulumi)")
        elif k not in unmapped:
            call(Op(True, wechat_id), Change("members", "add", new=wechat_id), f"bind {wechat_id} as a tester")
        elif cleared or lost:
            why = "to record its userstr" if cleared else "(some of these were unbound outside Pulumi)"
            call(Op(True, wechat_id), Change("members", "add", new=wechat_id, drift=lost and not cleared),
                 f"bind {wechat_id} again {why}")
    if pending and cleared:
        plan.warnings.append(
            f"{', '.join(pending)}: bound before Pulumi knew their userstr (85004), so they cannot be told apart "
            "from testers bound outside Pulumi: with `authoritative: true` every unknown tester is unbound and "
            "these are bound again (they lose access for a moment)"
        )
    elif pending and not lost:
        plan.warnings.append(
            f"{', '.join(pending)}: already testers when Pulumi bound them (85004), and WeChat never tells a "
            "userstr afterwards, so whether they still are cannot be checked; to record it, remove them from "
            "the spec, run up, then add them back"
        )
    return plan, ops


class Binder:
    """Runs the writes against one running copy of the live list, settling lost answers by re-reading."""

    def __init__(self, client: MiniProgramClient, listed: set[str]) -> None:
        self.client, self.listed = client, listed

    def bind(self, wechat_id: str) -> str | None:
        """The new tester's userstr, or None when WeChat says they already are one (85004)."""
        try:
            userstr: str | None = self._bind_once(wechat_id)
        except UNSETTLED:
            now = set(self.client.list_testers())
            new, self.listed = now - self.listed, now
            if len(new) == 1:
                return new.pop()  # it landed; the list shows the one new userstr
            if new:
                return None  # several appeared at once (the console?): which one is theirs is unknown
            userstr = self._bind_once(wechat_id)  # the list proves it did not land: one more send
        if userstr:
            self.listed.add(userstr)
        return userstr or None

    def _bind_once(self, wechat_id: str) -> str | None:
        try:
            return self.client.bind_tester(wechat_id)
        except ConflictError as error:
            if error.errcode == ALREADY_BOUND:
                return None
            raise

    def unbind(self, op: Op) -> None:
        target = {"userstr": op.userstr} if op.userstr else {"wechatid": op.wechat_id}
        try:
            self.client.unbind_tester(**target)
        except UNSETTLED:
            now = set(self.client.list_testers())
            gone, self.listed = self.listed - now, now
            if (op.userstr not in gone) if op.userstr else not gone:
                self.client.unbind_tester(**target)  # the list proves it did not land: one more send
        self.listed.discard(op.userstr or "")


def explain(error: APIError, op: Op, count: int, done: list[str]) -> APIError:
    """The same error with who it was about, the limit that applies, and what this run already did."""
    who = op.wechat_id or f"the tester with userstr {short(op.userstr or '')}"
    table = "; ".join(f"{row}: {limit}" for row, limit in EXPERIENCE_MEMBER_LIMITS.items())
    meaning, advice = {
        85001: (f"{who} does not exist, or cannot be found by WeChat id",
                "check it is their WeChat id (微信号), not a nickname, and that they allow being found by it "
                "(我 → 设置 → 朋友权限 → 添加我的方式 → 微信号), or remove it from the spec"),
        85002: (f"this mini-program already has {count} testers, its account's limit (per account type, {table}; "
                "these experience-member figures are UNCONFIRMED)",
                "remove testers you no longer need from the spec (with `authoritative: true` testers bound in "
                "the console are unbound first), or verify/publish the account to raise the limit"),
        85003: (f"{who} already tests 50 mini-programs, the most WeChat allows one person",
                "ask them to leave another mini-program's testers, or remove them from the spec"),
    }.get(error.errcode, (f"{'binding' if op.bind else 'unbinding'} {who}: {error.meaning}", error.advice))
    if done:
        advice += f". Already done in this run: {', '.join(done)}"
        if any(step.startswith("bound") for step in done):
            advice += (" (a failed update records nothing, so the next up finds them bound (85004) and keeps "
                       "them with an unknown userstr)")
    return type(error)(error.errcode, error.errmsg, error.endpoint, error.rid, meaning=meaning, advice=advice)


class TestersProvider(WeChatResourceProvider):
    __test__ = False  # pytest must not collect it as a test class
    kind = "testers"
    spec_model = TestersSpec
    console_path = "mp.weixin.qq.com → 管理 → 成员管理 → 体验成员"

    def read_live(self, ctx: Context) -> Props | None:
        return {"userstrs": sorted(ctx.client.list_testers())}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        return decide(ctx.appid, desired, live, olds)[0]

    def apply(self, ctx: Context, plan: Plan, desired: Props, live: Props | None, olds: Props | None) -> Props:
        _, ops = decide(ctx.appid, desired, live, olds)
        known = {key(w): (w, u) for w, u in ((olds or {}).get("userstrs") or {}).items()}
        unmapped = {key(w): w for w in (olds or {}).get("unmapped") or []}
        binder, done = Binder(ctx.client, set(live["userstrs"] if live else [])), list[str]()
        for op in ops:
            wechat_id, userstr = op.wechat_id or "", None
            try:
                if op.bind:
                    userstr = binder.bind(wechat_id)
                else:
                    binder.unbind(op)
            except APIError as error:
                raise explain(error, op, len(binder.listed), done) from None
            for k in {key(wechat_id)} if wechat_id else {k for k, (_, u) in known.items() if u == op.userstr}:
                known.pop(k, None)
                unmapped.pop(k, None)
            if op.bind and userstr:
                known[key(wechat_id)] = (wechat_id, userstr)
            elif op.bind:
                unmapped[key(wechat_id)] = wechat_id
                plan.warnings.append(f"{wechat_id}: already a tester (85004); WeChat does not tell their userstr, "
                                     "so they are recorded as bound with an unknown userstr")
            done.append(f"{'bound' if op.bind else 'unbound'} {wechat_id or short(op.userstr or '')}")
        return {"userstrs": dict(known.values()), "unmapped": sorted(unmapped.values(), key=key)}

    def converge(self, props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        """As the base does, then keep the userstr map to the declared roster (dropped ones are unbound)."""
        outs = super().converge(props, olds)
        declared = {key(w) for w in outs["spec"]["members"]}
        outs["userstrs"] = {w: u for w, u in (outs.get("userstrs") or {}).items() if key(w) in declared}
        outs["unmapped"] = [w for w in outs.get("unmapped") or [] if key(w) in declared]
        return outs


class Testers(WeChatResource, module="wechat", name="Testers"):
    """A mini-program's testers, converged to the spec's WeChat ids; outputs map each to its userstr."""

    __test__ = False
    provider_class = TestersProvider
