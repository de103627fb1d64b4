"""One thin, typed method per WeChat endpoint, grouped by area (mixed into the clients)."""

from .code import CodeAPI
from .component import ComponentAPI
from .domains import SERVER_DOMAIN_FIELDS, DomainsAPI
from .members import MembersAPI
from .profile import ProfileAPI
from .qrcode_jump import QRCodeJumpAPI

__all__ = ["SERVER_DOMAIN_FIELDS", "CodeAPI", "ComponentAPI", "DomainsAPI", "MembersAPI", "ProfileAPI",
           "QRCodeJumpAPI"]
