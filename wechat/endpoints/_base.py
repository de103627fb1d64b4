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

    def send(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any]:
        """One planned write exactly as given (`providers._plan.ApiCall`): never retried after a lost answer.

        ``path`` as the call log shows it (``/wxa/modify_domain``); ``args`` is the JSON body of a
        POST or the query of a GET. Values that are ``(filename, bytes, mime)`` tuples make a POST
        multipart: they are its parts, and the other args go in the query (``media/upload?type=image``;
        documented without an ``errcode``, so its answer is not required to carry one).
        """
        path = path.lstrip("/")
        if method == "GET":
            return data(self._http.call("GET", path, params=args, idempotent=False, token_param=self._token_param))
        files = {key: value for key, value in args.items() if isinstance(value, tuple)}
        if files:
            query = {key: value for key, value in args.items() if key not in files}
            return self._post(path, None, params=query, files=files, idempotent=False, errcode_required=False)
        return self._post(path, args, idempotent=False)
