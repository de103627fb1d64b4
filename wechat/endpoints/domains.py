"""Server domains and business (web-view) domains (reference §2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ._base import Endpoints

SERVER_DOMAIN_FIELDS = ("requestdomain", "wsrequestdomain", "uploaddomain", "downloaddomain", "udpdomain",
                        "tcpdomain")


class DomainsAPI(Endpoints):
    def get_domains(self) -> dict[str, Any]:
        """The server domains the platform set: ``POST wxa/modify_domain`` with ``action=get``.

        Returns the six lists (``requestdomain`` ... ``tcpdomain``). Platform only, permission set 18.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/OpenApiDoc/miniprogram-management/domain-management/modifyServerDomain.html
        """
        return self.modify_domain("get")

    def modify_domain(self, action: Literal["add", "delete", "set", "get"],
                      **lists: Sequence[str]) -> dict[str, Any]:
        """``POST wxa/modify_domain``: add, delete, set (replace) or get server domains.

        ``lists`` are keyword arguments named after WeChat's fields (``requestdomain=[...]`` ...).
        The answer echoes the six lists plus ``invalid_*`` and ``no_icp_domain``. Every request that
        is not a ``get`` counts against 50 a month, even a ``set`` repeating the lists in force, so
        only ``get`` is retried: a write whose answer was lost raises AmbiguousWriteError.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/OpenApiDoc/miniprogram-management/domain-management/modifyServerDomain.html
        """
        unknown = sorted(set(lists) - set(SERVER_DOMAIN_FIELDS))
        if unknown:
            raise ValueError(f"modify_domain: unknown domain lists {unknown}; "
                             f"use {list(SERVER_DOMAIN_FIELDS)}")
        if action == "get" and lists:
            raise ValueError("modify_domain: action 'get' takes no domain lists")
        body: dict[str, Any] = {"action": action, **{k: list(v) for k, v in lists.items()}}
        return self._post("wxa/modify_domain", body, idempotent=action == "get")

    def getwxadevinfo(self,
                      action: Literal["getbizdomain", "getserverdomain"] | None = None) -> dict[str, Any]:
        """``POST wxa/getwxadevinfo``: the domains in effect; works with an owner token too.

        Doc: https://developers.weixin.qq.com/miniprogram/dev/server/API/operation/api_getdomaininfo.html
        """
        return self._post("wxa/getwxadevinfo", {"action": action} if action else {}, idempotent=True)

    def get_effective_domain(self) -> dict[str, Any]:
        """``POST wxa/get_effective_domain``: mp, third-party, direct and effective server domains.

        Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/domain-management/getEffectiveServerDomain.html
        """
        return self._post("wxa/get_effective_domain", {}, idempotent=True)

    def get_effective_webview_domains(self) -> dict[str, Any]:
        """``POST wxa/get_effective_webviewdomain``: ``mp_webviewdomain``, ``third_webviewdomain``,
        ``direct_webviewdomain`` and ``effective_webviewdomain`` (what a release through the platform
        leaves in force).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/domain-management/api_geteffectivejumpdomain
        """
        return self._post("wxa/get_effective_webviewdomain", {}, idempotent=True)

    def get_webview_domains(self) -> list[str] | None:
        """``POST wxa/setwebviewdomain`` with ``action=get``: the business domains (``https://`` URLs),
        or None when the answer has no ``webviewdomain`` (unknown, not empty).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/domain-management/api_modifyjumpdomain.html
        """
        body = self._post("wxa/setwebviewdomain", {"action": "get"}, idempotent=True)
        domains = body.get("webviewdomain")
        return [str(d) for d in domains] if isinstance(domains, list) else None

    def set_webview_domains(self, action: Literal["add", "delete", "set"],
                            domains: Sequence[str]) -> dict[str, Any]:
        """``POST wxa/setwebviewdomain``: add, delete or set (replace) business domains (at most 300).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/domain-management/api_modifyjumpdomain.html
        """
        body = {"action": action, "webviewdomain": list(domains)}
        return self._post("wxa/setwebviewdomain", body, idempotent=action == "set")
