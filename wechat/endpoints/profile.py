"""Profile: basic info, nickname, avatar, intro, categories and privacy settings (reference §4)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import TransportError
from ._base import Endpoints

_MAGIC = ((b"\x89PNG", "png"), (b"\xff\xd8", "jpg"), (b"GIF8", "gif"), (b"BM", "bmp"))


class ProfileAPI(Endpoints):
    def get_account_basic_info(self) -> dict[str, Any]:
        """``GET cgi-bin/account/getaccountbasicinfo``: nickname, avatar and intro with their quotas.

        The current doc says POST; WxJava and PowerWeChat use GET, which is what this sends.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/basic-info-management/api_getaccountbasicinfo.html
        """
        return self._get("cgi-bin/account/getaccountbasicinfo")

    def set_nickname(self, nick_name: str, *, id_card: str | None = None, license: str | None = None,
                     naming_other_stuff: Sequence[str] = ()) -> dict[str, Any]:
        """``POST wxa/setnickname``: returns ``{wording, audit_id?}``; an ``audit_id`` means "under review".

        ``id_card``/``license`` and up to five ``naming_other_stuff`` are media ids from ``upload_image``.
        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/basic-info-management/api_setnickname.html
        """
        if len(naming_other_stuff) > 5:
            raise ValueError("set_nickname takes at most 5 naming_other_stuff media ids")
        body: dict[str, Any] = {"nick_name": nick_name}
        if id_card:
            body["id_card"] = id_card
        if license:
            body["license"] = license
        for i, media_id in enumerate(naming_other_stuff, start=1):
            body[f"naming_other_stuff_{i}"] = media_id
        return self._post("wxa/setnickname", body, idempotent=False)

    def query_nickname(self, audit_id: int | str) -> dict[str, Any]:
        """``POST wxa/api_wxa_querynickname``: how the rename review ``audit_id`` (from ``set_nickname``) stands.

        Returns ``{nickname, audit_stat (1 reviewing, 2 failed, 3 passed), fail_reason, create_time,
        audit_time}``; 91011 (``NotFoundError``) when WeChat knows no such review. A read: safe to retry.
        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Mini_Program_Basic_Info/api_wxa_querynickname.html
        """
        return self._post("wxa/api_wxa_querynickname", {"audit_id": audit_id}, idempotent=True)

    def upload_image(self, image: str | os.PathLike[str] | bytes, filename: str | None = None) -> str:
        """``POST cgi-bin/media/upload?type=image`` (multipart field ``media``); returns the ``media_id``.

        Temporary media last 3 days, and must be uploaded with the same (authorizer) token that will
        use them, or WeChat answers 40007.
        Doc: https://developers.weixin.qq.com/doc/service/api/material/temporary/api_uploadtempmedia.html
        """
        if isinstance(image, bytes):
            content = image
            ext = next((e for magic, e in _MAGIC if image.startswith(magic)), "png")
            filename = filename or f"image.{ext}"
        else:
            content = Path(image).read_bytes()
            filename = filename or Path(image).name
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        # documented answer: {type, media_id, created_at}, without errcode
        body = self._post("cgi-bin/media/upload", None, params={"type": "image"},
                          files={"media": (filename, content, mime)}, idempotent=False, errcode_required=False)
        media_id = body.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise TransportError("cgi-bin/media/upload answered without a media_id; upload the image again "
                                 "(temporary media cost no quota)", endpoint="cgi-bin/media/upload")
        return media_id

    def modify_head_image(self, media_id: str,
                          crop: tuple[float, float, float, float] = (0, 0, 1, 1)) -> dict[str, Any]:
        """``POST cgi-bin/account/modifyheadimage`` with a crop box in 0..1 (the result is square).

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/basic-info-management/api_setheadimage.html
        """
        x1, y1, x2, y2 = crop
        body = {"head_img_media_id": media_id, "x1": x1, "y1": y1, "x2": x2, "y2": y2}
        return self._post("cgi-bin/account/modifyheadimage", body, idempotent=False)

    def modify_signature(self, text: str) -> dict[str, Any]:
        """``POST cgi-bin/account/modifysignature``: the intro (4-120 chars, 5 changes a month).

        Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/basic-info-management/setSignature.html
        """
        return self._post("cgi-bin/account/modifysignature", {"signature": text}, idempotent=False)

    def get_category(self) -> dict[str, Any]:
        """``GET cgi-bin/wxopen/getcategory``: the account's categories, limit, quota and category_limit.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/category-management/api_getsettingcategories.html
        """
        return self._get("cgi-bin/wxopen/getcategory")

    def get_audit_categories(self) -> list[dict[str, Any]]:
        """``GET wxa/get_category``: approved categories with the names and ids ``submit_audit`` wants.

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/category/get_category.html
        """
        return list(self._get("wxa/get_category").get("category_list", []))

    def add_category(self, first: int, second: int,
                     certificates: Sequence[tuple[str, str] | Mapping[str, Any]] = ()) -> dict[str, Any]:
        """``POST cgi-bin/wxopen/addcategory``; ``certificates`` are (name, media_id) pairs or dicts.

        WeChat spells the field ``certicates``. Doc: https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/category-management/addCategory.html
        """
        certs = [dict(c) if isinstance(c, Mapping) else {"key": c[0], "value": c[1]} for c in certificates]
        body = {"categories": [{"first": first, "second": second, "certicates": certs}]}
        return self._post("cgi-bin/wxopen/addcategory", body, idempotent=False)

    def delete_category(self, first: int, second: int) -> dict[str, Any]:
        """``POST cgi-bin/wxopen/deletecategory``.

        Doc (category management): https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/category-management/addCategory.html
        """
        body = {"first": first, "second": second}
        return self._post("cgi-bin/wxopen/deletecategory", body, idempotent=False)

    def get_all_categories(self) -> dict[str, Any]:
        """``GET cgi-bin/wxopen/getallcategories``: every category WeChat offers (``categories_list``).

        Doc (category management): https://developers.weixin.qq.com/doc/oplatform/en/openApi/OpenApiDoc/miniprogram-management/category-management/addCategory.html
        """
        return self._get("cgi-bin/wxopen/getallcategories")

    def get_privacy_setting(self, ver: int = 2) -> dict[str, Any]:
        """``POST cgi-bin/component/getprivacysetting``: ``code_exist``, ``privacy_list``, ``setting_list``.

        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/privacy_config/set_privacy_setting.html
        """
        return self._post("cgi-bin/component/getprivacysetting", {"privacy_ver": ver}, idempotent=True)

    def set_privacy_setting(self, ver: int, owner_setting: Mapping[str, Any],
                            setting_list: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """``POST cgi-bin/component/setprivacysetting``; ``setting_list`` required for ver=2, forbidden for 1.

        A ver=2 guide takes effect only after the next approved audit and release.
        Doc: https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/privacy_config/set_privacy_setting.html
        """
        if ver == 1 and setting_list:
            raise ValueError("set_privacy_setting: setting_list is forbidden with ver=1 (live)")
        if ver == 2 and setting_list is None:
            raise ValueError("set_privacy_setting: setting_list is required with ver=2 (dev)")
        body: dict[str, Any] = {"privacy_ver": ver, "owner_setting": dict(owner_setting)}
        if ver != 1:
            body["setting_list"] = [dict(s) for s in setting_list or ()]
        return self._post("cgi-bin/component/setprivacysetting", body, idempotent=True)

    def get_icp_entrance_info(self) -> dict[str, Any]:
        """``GET wxa/icp/get_icp_entrance_info``: the ICP filing ``{status, available, is_canceling,
        audit_data?, sms_verify_status?}`` (status 6 filed, 1024 not filed; 2-5 under review or
        rejected). Permission set 18 or 156.

        Doc: https://developers.weixin.qq.com/doc/oplatform/openApi/miniprogram-management/record/api_geticpentranceinfo
        """
        return dict(self._get("wxa/icp/get_icp_entrance_info").get("info") or {})
