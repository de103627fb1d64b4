"""PlatformServerDomains: the third-party platform's mini-program server domains (小程序服务器域名).

Live read: `cgi-bin/component/modify_wxa_server_domain` action=get (component token): the testing
and published copies. Write: `set` with `is_modify_published_together: true` when the published
copy differs (both copies become it), then `set` of the testing copy alone if it should differ;
each request is 1 of the 50 changes WeChat allows a month. Delete: forgets (the list stays: every
mini-program of the platform depends on it).

Why it matters: a mini-program may only be given (`wxa/modify_domain`) a domain on one of these
copies, and a release through the platform keeps only the domains on the published copy.
"""

from __future__ import annotations

from providers._base import Props, WeChatResource
from providers._platform import PlatformDomainListProvider
from providers.models import PlatformServerDomainsSpec
from wechat import ComponentClient


class PlatformServerDomainsProvider(PlatformDomainListProvider):
    kind = "platform_server_domains"
    spec_model = PlatformServerDomainsSpec
    console_path = "open.weixin.qq.com → 第三方平台 → 开发资料 → 小程序服务器域名"
    wire = "wxa_server_domain"
    path = "/cgi-bin/component/modify_wxa_server_domain"
    what = "mini-program server domains"
    loses = "loses its server domains on these hosts"

    def send(self, client: ComponentClient, action: str, items: list[str], together: bool) -> Props:
        return client.modify_wxa_server_domain(action, items, is_modify_published_together=together)  # type: ignore[arg-type]


class PlatformServerDomains(WeChatResource, module="wechat", name="PlatformServerDomains"):
    """A third-party platform's server-domain list (testing and published copies)."""

    provider_class = PlatformServerDomainsProvider
