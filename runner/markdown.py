"""Any text as inert Markdown: what the plan renders every value and provider message through."""

from __future__ import annotations

import re

from wechat.redact import scrub


def code(text: str) -> str:
    """Any value as one inline code span: the fence is longer than any run of backticks inside it,
    so nothing in the value can end the span early (CommonMark), and it stays on one line."""
    text = " ".join(scrub(str(text)).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


MARKUP = re.compile(r"[\\`*_\[\]|~#]")


def prose(text: str) -> str:
    """Provider text (which quotes spec values) as inert Markdown on one line: every character that
    could start markup, a link, an HTML tag or a mention is escaped, so a value renders as itself."""
    flat = MARKUP.sub(lambda match: "\\" + match.group(0), " ".join(scrub(str(text)).split()))
    return flat.replace("<", "&lt;").replace(">", "&gt;").replace("@", "@\u2060")
