"""The third-party platform's own calls: template library, its server- and business-domain lists
(§2.5, §5.6) and what it may read about an authorizer (§10).

All of these take the component token as ``access_token=`` (the form the current pages show).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ._base import Endpoints


class ComponentAPI(Endpoints):
    def get_template_drafts(self) -> list[dict[str, Any]]:
        """``GET wxa/gettemplatedraftlist``: the drafts uploaded from the platform's dev mini-program.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/thirdparty-management/template-management/api_gettemplatedraftlist.html
        """
        return list(self._get("wxa/gettemplatedraftlist").get("draft_list", []))

    def add_to_template(self, draft_id: int, template_type: int = 0) -> dict[str, Any]:
        """``POST wxa/addtotemplate``: turn a draft into a template (0 normal, 1 standard). Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/thirdparty-management/template-management/api_addtotemplate.html
        """
        body = {"draft_id": int(draft_id), "template_type": int(template_type)}
        return self._post("wxa/addtotemplate", body, idempotent=False)

    def get_templates(self, template_type: int | None = None) -> list[dict[str, Any]]:
        """``GET wxa/gettemplatelist``: the template library (at most 200; sort by template_id).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/thirdparty-management/template-management/api_gettemplatelist.html
        """
        params = {"template_type": int(template_type)} if template_type is not None else None
        return list(self._get("wxa/gettemplatelist", params=params).get("template_list", []))

    def delete_template(self, template_id: int) -> dict[str, Any]:
        """``POST wxa/deletetemplate``. Never retried.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/thirdparty-management/template-management/api_deletetemplate.html
        """
        return self._post("wxa/deletetemplate", {"template_id": int(template_id)}, idempotent=False)

    def modify_wxa_server_domain(self, action: Literal["add", "delete", "set", "get"],
                                 domains: Sequence[str] = (), *,
                                 is_modify_published_together: bool = False) -> dict[str, Any]:
        """``POST cgi-bin/component/modify_wxa_server_domain``: the platform's own server-domain list.

        ``domains`` are hostnames without a scheme (sent ";"-joined). Returns
        ``published_wxa_server_domain``, ``testing_wxa_server_domain``, ``invalid_wxa_server_domain``.
        Like ``modify_domain``, every request but ``get`` spends one of 50 changes a month: only
        ``get`` is retried.
        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/ThirdParty/domain/modify_server_domain.html
        """
        body: dict[str, Any] = {"action": action,
                                "is_modify_published_together": is_modify_published_together}
        if action != "get":
            body["wxa_server_domain"] = ";".join(domains)
        return self._post("cgi-bin/component/modify_wxa_server_domain", body,
                          idempotent=action == "get")

    def modify_wxa_jump_domain(self, action: Literal["add", "delete", "set", "get"],
                               domains: Sequence[str] = (), *,
                               is_modify_published_together: bool = False) -> dict[str, Any]:
        """``POST cgi-bin/component/modify_wxa_jump_domain``: the platform's business-domain list.

        Same shape as :meth:`modify_wxa_server_domain` (field ``wxa_jump_h5_domain``; at most 200
        by the older page, 300 by the newer one; 50 changes a month): only ``get`` is retried.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/thirdparty-management/domain-mgnt/api_modifythirdpartyjumpdomain
        """
        body: dict[str, Any] = {"action": action,
                                "is_modify_published_together": is_modify_published_together}
        if action != "get":
            body["wxa_jump_h5_domain"] = ";".join(domains)
        return self._post("cgi-bin/component/modify_wxa_jump_domain", body, idempotent=action == "get")

    def get_authorizer_info(self, authorizer_appid: str) -> dict[str, Any]:
        """``POST cgi-bin/component/api_get_authorizer_info``: ``authorizer_info`` (nick_name,
        principal_name, ``MiniProgramInfo{network, categories, visit_status}``, ...) and
        ``authorization_info`` (``func_info``: the permission sets granted). Answered without errcode.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/authorization-management/api_getauthorizerinfo
        """
        body = {"component_appid": self.appid, "authorizer_appid": authorizer_appid}
        return self._post("cgi-bin/component/api_get_authorizer_info", body, idempotent=True)
