"""The resources a spec can declare, in the order they are created: one line each, no discovery."""

from __future__ import annotations

from providers._base import WeChatResource
from providers.categories import Categories
from providers.developers import Developers
from providers.platform_jump_domains import PlatformJumpDomains
from providers.platform_server_domains import PlatformServerDomains
from providers.privacy import PrivacySettings
from providers.profile import Profile
from providers.release import Release
from providers.server_domains import ServerDomains
from providers.testers import Testers
from providers.webview_domains import WebviewDomains

# spec block -> resource class
RESOURCES: dict[str, type[WeChatResource]] = {
    "server_domains": ServerDomains,
    "webview_domains": WebviewDomains,
    "testers": Testers,
    "developers": Developers,
    "profile": Profile,
    "categories": Categories,
    "privacy": PrivacySettings,
    "release": Release,
}

# platform spec block -> resource class (the platform's own lists, set with its component token)
PLATFORM_RESOURCES: dict[str, type[WeChatResource]] = {
    "server_domains": PlatformServerDomains,
    "jump_domains": PlatformJumpDomains,
}
