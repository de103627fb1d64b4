"""What every endpoint mixin relies on: the transport, the appid, and envelope stripping."""

from __future__ import annotations

from typing import Any

from ..http import HTTPCore


def data(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without WeChat's envelope fields (``errcode``/``errmsg``)."""
    return {k: v for k, v in body.items() if k not in ("errcode", "errmsg")}


class Endpoints:
    """Base of the endpoint mixins. ``idempotent`` marks calls that are safe to send twice: only
    those are retried after a transport error or errcode -1/45011."""

    appid: str
    _http: HTTPCore
    _token_param = "access_token"

    def _get(self, path: str, *, params: dict[str, Any] | None = None,
             idempotent: bool = True) -> dict[str, Any]:
        return data(self._http.call("GET", path, params=params, idempotent=idempotent,
                                    token_param=self._token_param))

    def _post(self, path: str, body: Any, *, idempotent: bool, params: dict[str, Any] | None = None,
              files: dict[str, Any] | None = None, errcode_required: bool | None = None) -> dict[str, Any]:
        return data(self._http.call("POST", path, json=body, params=params, files=files,
                                    idempotent=idempotent, token_param=self._token_param,
                                    errcode_required=errcode_required))
