"""Experience members (testers), reference §3. Developers have no HTTP API (miniprogram-mp-ci only)."""

from __future__ import annotations

from ._base import Endpoints


class MembersAPI(Endpoints):
    def bind_tester(self, wechatid: str) -> str:
        """``POST wxa/bind_tester``: make a WeChat user a tester; returns their opaque ``userstr``.

        Keep the userstr: ``list_testers`` never returns WeChat IDs. Not retried (85004 on a repeat).
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/member-management/api_bindtester.html
        """
        return str(self._post("wxa/bind_tester", {"wechatid": wechatid}, idempotent=False).get("userstr", ""))

    def unbind_tester(self, wechatid: str | None = None, userstr: str | None = None) -> None:
        """``POST wxa/unbind_tester`` by WeChat ID or by userstr (exactly one of them).

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Mini_Program_AdminManagement/unbind_tester.html
        """
        if (wechatid is None) == (userstr is None):
            raise ValueError("unbind_tester needs exactly one of wechatid or userstr")
        body = {"wechatid": wechatid} if wechatid is not None else {"userstr": userstr}
        self._post("wxa/unbind_tester", body, idempotent=False)

    def list_testers(self) -> list[str] | None:
        """``POST wxa/memberauth`` with ``action=get_experiencer``: the testers' userstrs (never WeChat IDs),
        or None when the answer has no ``members`` list or a member without its userstr (unknown, not empty).

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Mini_Program_AdminManagement/memberauth.html
        """
        body = self._post("wxa/memberauth", {"action": "get_experiencer"}, idempotent=True)
        members = body.get("members")
        if not isinstance(members, list):
            return None  # no `members` in the answer: the list is unknown, not empty
        if not all(isinstance(m, dict) and m.get("userstr") for m in members):
            return None  # a member WeChat does not name: who is bound is unknown
        return [str(m["userstr"]) for m in members]
