"""What one provider call knows: which mini-program, with which credentials (`providers._base`)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from providers._settings import Settings
from wechat import MiniProgramClient


@dataclass
class Context:
    """What one provider call knows: which mini-program, with which credentials."""

    appid: str
    credentials: dict[str, Any]
    settings: Settings
    prefetched: Future[Any] | None = field(default=None, repr=False)  # a read check() started
    # check() or diff(): its reads may take preflight's answers of this engine run (`_preflight_reads`);
    # update(), the guards, a lost answer's settling and record() always read WeChat
    planning: bool = False

    @property
    def mode(self) -> str:
        return str(self.credentials.get("mode"))

    @cached_property
    def client(self) -> MiniProgramClient:
        from providers._clients import client_for

        return client_for(self.appid, self.credentials, self.settings)
