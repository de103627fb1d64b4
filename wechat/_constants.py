"""Every knob of the client on one screen: where it talks, how long it waits, how it retries."""

from __future__ import annotations

#: Real WeChat. Any other base URL (the local emulator) is passed to the client explicitly.
DEFAULT_BASE_URL = "https://api.weixin.qq.com"

#: Seconds. Connecting should be quick; an upload or a slow audit call may take a while to answer.
CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 30.0

#: The longest answer read from WeChat (the largest documented one, getallcategories, is well under
#: 1 MB); a longer answer is refused unread rather than held in memory.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024

#: Retries after the first attempt, for calls that are safe to repeat (reads, idempotent writes).
DEFAULT_MAX_RETRIES = 2
#: Exponential backoff 0.5 s, 1 s, 2 s ... capped at 8 s, each delay shortened by up to 25 % jitter
#: so that the four threads of a Pulumi provider host do not retry in lock-step.
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRY_JITTER = 0.25

#: errcodes worth another attempt on a repeatable call: -1 "system busy", 45011 "minute quota".
#: 45009 (daily quota) is deliberately absent: repeating it only burns the next day's budget.
RETRYABLE_ERRCODES = frozenset({-1, 45011})
#: errcodes that mean "this token is stale": invalidate it, fetch a new one, replay the call once.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})

#: Refresh a token this many seconds before it expires (at most half its lifetime). WeChat rotates
#: stable tokens when 5 minutes remain and keeps the old one valid during that window.
TOKEN_REFRESH_BUFFER = 300.0

#: A token command (credential_process pattern) must print its JSON within this many seconds.
TOKEN_COMMAND_TIMEOUT = 30.0

#: Where tokens are cached across runs, unless $WECHAT_IAC_TOKEN_CACHE says otherwise.
TOKEN_CACHE_ENV = "WECHAT_IAC_TOKEN_CACHE"
TOKEN_CACHE_SUBDIR = ("wechat-iac", "tokens")
