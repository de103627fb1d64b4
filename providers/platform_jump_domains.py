"""PlatformJumpDomains: the third-party platform's mini-program business ("jump", web-view) domains.

Live read: `cgi-bin/component/modify_wxa_jump_domain` action=get (component token): the testing
and published copies. Write: `set` with `is_modify_published_together: true` when the published
copy differs, then `set` of the testing copy alone if it should differ; each request is 1 of the
50 changes WeChat allows a month. Delete: forgets.

Why it matters: a mini-program's web-view domains must be on (or under) one of these hosts
(`wxa/setwebviewdomain`, 89021 otherwise), and a release through the platform keeps only the
web-view domains under a host on the published copy.
"""

from __future__ import annotations

from providers._base import Props, WeChatResource
from providers._platform import PlatformDomainListProvider
from providers.models import PlatformJumpDomainsSpec
from wechat import ComponentClient


class PlatformJumpDomainsProvider(PlatformDomainListProvider):
    kind = "platform_jump_domains"
    spec_model = PlatformJumpDomainsSpec
    console_path = "open.weixin.qq.com → 第三方平台 → 开发资料 → 小程序业务域名"
    wire = "wxa_jump_h5_domain"
    path = "/cgi-bin/component/modify_wxa_jump_domain"
    what = "mini-program business domains"
    loses = "loses its web-view domains under these hosts"

    def send(self, client: ComponentClient, action: str, items: list[str], together: bool) -> Props:
        return client.modify_wxa_jump_domain(action, items, is_modify_published_together=together)  # type: ignore[arg-type]


class PlatformJumpDomains(WeChatResource, module="wechat", name="PlatformJumpDomains"):
    """A third-party platform's business-domain list (testing and published copies)."""

    provider_class = PlatformJumpDomainsProvider
