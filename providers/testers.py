"""Testers: experience members (体验成员), bound and unbound one WeChat id at a time.

Live read: `wxa/memberauth` action=get_experiencer, which lists opaque userstrs, never WeChat ids.
So the resource keeps what `wxa/bind_tester` answered: output `userstrs` maps each declared WeChat id
to its userstr. Drift is read from the list: a userstr we bound that is gone was unbound outside
Pulumi (it is bound again); a listed userstr we do not know was bound outside Pulumi (unbound only
with `authoritative: true`, otherwise kept with a warning); userstrs the spec lists in
`known_outside` are kept on purpose: never unbound, never warned about.
Writes: one `wxa/bind_tester` per tester to add and one `wxa/unbind_tester` per tester to remove
(by userstr when known, by WeChat id otherwise), unbinds first so they free places for the binds.
A run with nothing to change writes nothing.

85004 (already bound) on bind: the person is a tester, but WeChat will not tell their userstr. They
are recorded in output `unmapped` with a warning, never silently unbound and bound again to learn it:
that would cut their access for nothing. With `authoritative: true` their userstr cannot be told
apart from testers bound outside Pulumi, so every unknown tester is unbound and they are bound again,
shown in the plan. A write whose answer is lost (or errcode -1) is settled by re-reading memberauth
(`landed_tester`), never by sending it again.
A memberauth answer without the list (or a member without its userstr) leaves it unknown: the plan
refuses every bind and unbind. Owner credentials can neither read nor write testers (48001): the
plan shows the declared roster against "unknown", as manual steps, in every plan.
Delete: forgets; the testers stay bound.
"""

from __future__ import annotations

from providers import _events
from providers._base import Adopted, Context, Props, WeChatResource, WeChatResourceProvider, unknown
from providers._executor import Run
from providers._plan import ApiCall, Change, Plan
from providers.models import TestersSpec
from providers.models.account import EXPERIENCE_MEMBER_LIMITS
from wechat import APIError, ConflictError

BIND, UNBIND = "/wxa/bind_tester", "/wxa/unbind_tester"
ALREADY_BOUND = 85004


def key(wechat_id: str) -> str:
    return wechat_id.casefold()  # WeChat ids are case-insensitive


def short(userstr: str) -> str:
    return f"{userstr[:10]}…" if len(userstr) > 10 else userstr


def bind(wechat_id: str, summary: str) -> ApiCall:
    return ApiCall(BIND, summary, args={"wechatid": wechat_id}, landed="tester")


def unbind(summary: str, wechat_id: str | None = None, userstr: str | None = None) -> ApiCall:
    args = {"userstr": userstr} if userstr else {"wechatid": wechat_id}
    return ApiCall(UNBIND, summary, args=args, landed="tester")


def decide(appid: str, desired: Props, live: Props | None, olds: Props | None) -> Plan:
    """The plan: item changes and the writes that carry them out, in order (unbinds first)."""
    plan = Plan("testers", appid)
    want = {key(wechat_id): wechat_id for wechat_id in desired["members"]}

    def call(change: Change, api_call: ApiCall) -> None:
        plan.changes.append(change)
        plan.calls.append(api_call)

    if live is None:  # owner mode: nothing readable, so nothing is known either way
        plan.changes = [unknown("members", wechat_id, "add") for wechat_id in desired["members"]]
        return plan

    if live["userstrs"] is None:  # memberauth answered without the list: who is bound is unknown
        plan.changes = [unknown("members", wechat_id, "add") for wechat_id in desired["members"]]
        plan.blocked = ("WeChat's memberauth answer has no members list (or a member without its userstr): who is "
                        "bound is unknown (not nobody), so no tester is bound or unbound on a guess. Nothing was "
                        "changed; run again")
        return plan
    known = {key(w): (w, u) for w, u in ((olds or {}).get("userstrs") or {}).items()}
    unmapped = {key(w): w for w in (olds or {}).get("unmapped") or []}
    listed = set(live["userstrs"])
    acknowledged = set(desired.get("known_outside") or [])  # bound outside Pulumi, kept on purpose
    unknown_userstrs = sorted(listed - {u for _, u in known.values()} - acknowledged)
    authoritative = bool(desired["authoritative"])
    for k, (wechat_id, userstr) in sorted(known.items()):
        if k not in want and userstr in listed:  # already gone from the list: nothing to do
            call(Change("members", "remove", old=wechat_id), unbind(f"unbind {wechat_id}", userstr=userstr))
    for k, wechat_id in sorted(unmapped.items()):
        if k in want:
            continue
        if authoritative and unknown_userstrs:  # if still bound, theirs is one of the unknown userstrs unbound below
            plan.changes.append(Change("members", "remove", old=wechat_id))
        else:
            call(Change("members", "remove", old=wechat_id),
                 unbind(f"unbind {wechat_id} by WeChat id (its userstr was never known)", wechat_id=wechat_id))
    if unknown_userstrs and authoritative:
        for userstr in unknown_userstrs:
            call(Change("members", "remove", old=f"tester {short(userstr)} (bound outside Pulumi)", drift=True),
                 unbind(f"unbind the tester with userstr {short(userstr)} (authoritative: true)", userstr=userstr))
    elif unknown_userstrs:
        plan.warnings.append(
            f"drift: {len(unknown_userstrs)} tester(s) bound outside Pulumi (userstr {', '.join(unknown_userstrs)}): "
            "kept, because `authoritative` is false; list them in testers.known_outside to acknowledge them "
            "and stop this warning"
        )
    pending = [w for k, w in want.items() if k in unmapped]  # bound, userstr unknown (85004)
    cleared = authoritative and bool(unknown_userstrs)  # every unknown userstr, theirs included, is unbound above
    lost = len(pending) > len(unknown_userstrs)  # fewer unknown userstrs than such testers: some were unbound
    for k, wechat_id in want.items():
        if k in known:
            if known[k][1] not in listed:
                call(Change("members", "add", new=wechat_id, drift=True),
                     bind(wechat_id, f"bind {wechat_id} again (unbound outside Pulumi)"))
        elif k not in unmapped:
            call(Change("members", "add", new=wechat_id), bind(wechat_id, f"bind {wechat_id} as a tester"))
        elif cleared or lost:
            why = "to record its userstr" if cleared else "(some of these were unbound outside Pulumi)"
            call(Change("members", "add", new=wechat_id, drift=lost and not cleared),
                 bind(wechat_id, f"bind {wechat_id} again {why}"))
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
    return plan


def listed_before(run: Run) -> set[str]:
    """The userstrs the list should show just before the current call: the plan's read, plus this
    run's binds, minus its unbinds."""
    listed = set((run.live or {}).get("userstrs") or [])
    for call, answer in zip(run.plan.calls, run.answers, strict=False):
        if call.path == BIND and answer.get("userstr"):
            listed.add(str(answer["userstr"]))
        elif call.path == UNBIND:
            listed.discard(str(call.args.get("userstr") or answer.get("userstr") or ""))
    return listed


def explain(error: APIError, call: ApiCall, count: int, done: str) -> APIError:
    """The same error with who it was about, the limit that applies, and what this run already did."""
    binding = call.path == BIND
    who = call.args.get("wechatid") or f"the tester with userstr {short(str(call.args.get('userstr') or ''))}"
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
    }.get(error.errcode, (f"{'binding' if binding else 'unbinding'} {who}: {error.meaning}", error.advice))
    if done:
        advice = advice.rstrip(".") + "." + done
        if "bind " in done:
            advice += (" (a failed update records nothing, so the next up finds them bound (85004) and keeps "
                       "them with an unknown userstr)")
    return type(error)(error.errcode, error.errmsg, error.endpoint, error.rid, meaning=meaning, advice=advice)


class TestersProvider(WeChatResourceProvider):
    __test__ = False  # pytest must not collect it as a test class
    kind = "testers"
    spec_model = TestersSpec
    console_path = "mp.weixin.qq.com → 管理 → 成员管理 → 体验成员"

    def read_live(self, ctx: Context) -> Props | None:
        userstrs = ctx.client.list_testers()
        return {"userstrs": None if userstrs is None else sorted(userstrs)}

    def plan(self, ctx: Context, desired: Props, live: Props | None, olds: Props | None) -> Plan:
        return decide(ctx.appid, desired, live, olds)

    def landed_tester(self, run: Run, error: Exception) -> Props | None:
        """85004 on a bind: bound, userstr unknown. A lost answer: compare memberauth with what the
        list should show before this call (a bind added one userstr; an unbind removed its)."""
        call = run.call
        if isinstance(error, ConflictError):
            return {"userstr": ""} if call.path == BIND and error.errcode == ALREADY_BOUND else None
        listed = run.ctx.client.list_testers()
        if listed is None:
            return None  # the list is unknown: not settled, and never sent again
        before, now = listed_before(run), set(listed)
        if call.path == BIND:
            new = now - before
            if not new:
                return None
            return {"userstr": new.pop() if len(new) == 1 else ""}  # several at once (the console?): unknown
        userstr = call.args.get("userstr")
        gone = userstr not in now if userstr else bool(before - now)
        return {} if gone else None

    def explain(self, run: Run, error: APIError) -> APIError:
        return explain(error, run.call, len(listed_before(run)), run.done_text())

    def record(self, run: Run, desired: Props, olds: Props | None) -> Props:
        """The userstr of each declared tester (and who is bound with an unknown one), after this run."""
        known = {key(w): (w, u) for w, u in ((olds or {}).get("userstrs") or {}).items()}
        unmapped = {key(w): w for w in (olds or {}).get("unmapped") or []}
        for call, answer in zip(run.plan.calls, run.answers, strict=False):
            wechat_id, userstr = str(call.args.get("wechatid") or ""), call.args.get("userstr")
            for k in {key(wechat_id)} if wechat_id else {k for k, (_, u) in known.items() if u == userstr}:
                known.pop(k, None)
                unmapped.pop(k, None)
            if call.path == BIND and answer.get("userstr"):
                known[key(wechat_id)] = (wechat_id, str(answer["userstr"]))
            elif call.path == BIND:
                unmapped[key(wechat_id)] = wechat_id
                _events.say(run.ctx.appid, self.kind, f"{wechat_id}: already a tester (85004); WeChat does not "
                                                      "tell their userstr, so they are recorded as bound with an "
                                                      "unknown userstr")
        declared = {key(w) for w in desired["members"]}
        return {"userstrs": {w: u for k, (w, u) in known.items() if k in declared},
                "unmapped": sorted((w for k, w in unmapped.items() if k in declared), key=key)}


def adopt(ctx: Context) -> Adopted:
    """Never a block: WeChat lists testers only as userstrs, and a spec names them by WeChat id."""
    testers = ctx.client.list_testers()
    if testers is None:
        return None, ["testers: not adopted: WeChat's memberauth answer has no members list"]
    notes = [f"testers: not adopted: WeChat lists {len(testers)} tester(s) only as opaque userstr values,",
             "  never as WeChat ids, and a spec names testers by WeChat id. List them by WeChat id to manage",
             "  them (authoritative: false leaves the ones bound in the console alone)."]
    return None, notes + [f"  - userstr {userstr}" for userstr in testers]


class Testers(WeChatResource, module="wechat", name="Testers"):
    """A mini-program's testers, converged to the spec's WeChat ids; outputs map each to its userstr."""

    __test__ = False
    provider_class = TestersProvider
