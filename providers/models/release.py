"""The target release: version, code source, audit answers, rollout (reference §5.1, 5.2, 5.5)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationInfo

from providers.models._base import (
    Bool,
    Check,
    Issue,
    SetLike,
    SpecModel,
    Text,
    WholeNumber,
    fail,
    max_chars,
    rebase,
    spec_context,
)

MAX_WAIT_MINUTES = 24 * 60  # a longer wait belongs to a later `up`, which resumes where this one stopped


def _check_version(value: str) -> str:
    if not value.strip():
        raise fail("the version must not be empty")
    if len(value) > 64:
        raise fail(f"the version is at most 64 characters (WeChat's user_version), got {len(value)}")
    if any(not char.isprintable() for char in value):
        raise fail("the version must be printable text on one line")
    return value


def _check_ext_json(value: dict[str, Any]) -> dict[str, Any]:
    stack: list[tuple[str, Any]] = [("ext_json", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise fail(f"{where}: keys must be text, got {key!r}")
                stack.append((f"{where}.{key}", child))
        elif isinstance(item, list):
            stack += [(f"{where}[{index}]", child) for index, child in enumerate(item)]
        elif isinstance(item, float) and not math.isfinite(item):
            raise fail(f"{where}: {item} is not a JSON number")
        elif not isinstance(item, str | int | float | bool | type(None)):
            raise fail(f"{where}: YAML read a {type(item).__name__} here, which JSON cannot hold; quote it")
    return value


def _check_source_dir(value: str, info: ValidationInfo) -> str:
    path = spec_context(info).resolve(value)
    try:
        found = path.is_dir()
    except (OSError, ValueError):
        found = False
    if not found:
        raise fail(f"source folder not found: {path.as_posix()} (paths are relative to the spec file)")
    return value if Path(value).is_absolute() else rebase(path)


def _check_page(value: str) -> str:
    if not value or value.startswith("/") or any(char.isspace() for char in value):
        raise fail("must be a page path like pages/index/index (no leading '/', no spaces)")
    return value


def _check_tags(value: str) -> str:
    tags = value.split()
    if not 1 <= len(tags) <= 10:
        raise fail(f"give 1-10 tags separated by spaces, got {len(tags)}")
    if any(len(tag) > 20 for tag in tags):
        raise fail("each tag is at most 20 characters")
    return " ".join(tags)


def _check_title(value: str) -> str:
    if not value.strip() or len(value) > 32:
        raise fail(f"the title is 1-32 characters, got {len(value)}")
    return value


Version = Annotated[Text, Check(_check_version, {"minLength": 1, "maxLength": 64})]
ExtJson = Annotated[dict[str, Any], Check(_check_ext_json)]
SourceDir = Annotated[Text, Check(_check_source_dir, {"minLength": 1}, with_info=True)]
CategoryId = Annotated[int, Strict(), Field(ge=1), WholeNumber]


class ReleaseSourceSpec(SpecModel):
    """Where the code comes from: a platform template (wxa/commit) or a folder (miniprogram-ci)."""

    template_id: Annotated[int, Strict(), Field(ge=0), WholeNumber] | None = None
    """A template in the third-party platform's template library."""
    ext_json: ExtJson | None = None
    """With template_id: the ext.json object (sent to WeChat as a JSON string)."""
    path: SourceDir | None = None
    """A mini-program project folder, relative to the spec file, uploaded with miniprogram-ci."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        has_template, has_path = data.get("template_id") is not None, data.get("path") is not None
        if has_template == has_path:
            where: tuple[str | int, ...] = ("path",) if has_path else ()
            return [(where, "give exactly one of template_id or path")]
        if has_path and data.get("ext_json") is not None:
            return [(("ext_json",), "ext_json goes with template_id; a source folder has its own ext.json")]
        return []

    def ext_json_string(self) -> str:
        """ext_json as WeChat's commit wants it: a JSON-encoded string (canonical, so diffs are stable)."""
        return json.dumps(self.ext_json or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class AuditItem(SpecModel):
    """One page described for the reviewers (an item of submit_audit's item_list)."""

    address: Annotated[Text, Check(_check_page)]
    tag: Annotated[Text, Check(_check_tags)] | None = None
    """Up to 10 tags separated by spaces, each at most 20 characters."""
    first_class: Text
    second_class: Text
    third_class: Text | None = None
    first_id: CategoryId
    second_id: CategoryId
    third_id: CategoryId | None = None
    title: Annotated[Text, Check(_check_title)] | None = None
    """At most 32 characters."""

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        has_class, has_id = data.get("third_class") is not None, data.get("third_id") is not None
        if has_class != has_id:
            return [(("third_id" if has_class else "third_class",), "third_class and third_id go together")]
        return []


def _number(item: Any) -> int | float | None:
    return item if isinstance(item, int | float) and not isinstance(item, bool) else None


Scene = Annotated[int, Strict(), Field(ge=0, le=5), WholeNumber]
Method = Annotated[int, Strict(), Field(ge=1, le=4), WholeNumber]


class UgcDeclare(SpecModel):
    """ugc_declare: whether users publish content, and how it is moderated."""

    scene: Annotated[
        list[Scene],
        SetLike("scenes", key=_number),
        Field(default_factory=list),
    ]
    """0 none, 1 profile, 2 images, 3 video, 4 text, 5 other."""
    other_scene_desc: Text | None = None
    method: Annotated[
        list[Method],
        SetLike("methods", key=_number),
        Field(default_factory=list),
    ]
    """1 WeChat's security API, 2 another product, 3 manual review, 4 none."""
    has_audit_team: Bool = False
    audit_desc: Text | None = None

    @classmethod
    def cross_check(cls, data: dict[str, Any], info: ValidationInfo) -> list[Issue]:
        # inferred from the meaning of the values, not documented as errors
        scene = data.get("scene")
        scene = scene if isinstance(scene, list) else []
        issues: list[Issue] = []
        if 0 in scene and len(scene) > 1:
            issues.append((("scene",), "scene 0 (no user content) cannot be combined with other scenes"))
        if 5 in scene and data.get("other_scene_desc") is None:
            issues.append((("other_scene_desc",), "describe the 'other' scene (5)"))
        return issues

    def to_wire(self) -> dict[str, Any]:
        return {**self.model_dump(exclude_none=True), "has_audit_team": int(self.has_audit_team)}


def _item_key(item: Any) -> str | None:
    return item.get("address") if isinstance(item, dict) and isinstance(item.get("address"), str) else None


class AuditSpec(SpecModel):
    """The answers submit_audit sends with the version."""

    version_desc: Text | None = None
    """What changed, for the reviewers."""
    item_list: (
        Annotated[
            list[AuditItem],
            SetLike("pages (errcode 85023)", key=_item_key, keep_order=True, min_items=1, limit=5),
        ]
        | None
    ) = None
    """1-5 pages with their category and tags; may be left out."""
    feedback_info: Annotated[Text, max_chars(200)] | None = None
    """A note to the reviewers, at most 200 characters."""
    privacy_api_not_use: Bool = False
    """Declare that privacy APIs detected in the code are not used."""
    ugc_declare: UgcDeclare | None = None

    def to_wire(self) -> dict[str, Any]:
        """The body of wxa/submit_audit."""
        body = self.model_dump(exclude_none=True, exclude={"ugc_declare"})
        if self.ugc_declare is not None:
            body["ugc_declare"] = self.ugc_declare.to_wire()
        return body


class RolloutSpec(SpecModel):
    """How far the released version reaches (wxa/grayrelease); 100 is a full release."""

    gray_percentage: Annotated[int, Strict(), Field(ge=1, le=100), WholeNumber] = 100
    support_debuger_first: Bool = False
    """Developers get the new version first (WeChat's spelling)."""
    support_experiencer_first: Bool = False
    """Testers get the new version first."""


class ReleaseSpec(SpecModel):
    """Desired: `version` released to `rollout.gray_percentage` percent of users."""

    version: Version
    """WeChat's user_version, at most 64 characters (quote it: "1.10" is not 1.1)."""
    description: Text = ""
    """WeChat's user_desc."""
    source: ReleaseSourceSpec
    audit: AuditSpec = Field(default_factory=AuditSpec)
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)
    wait_for_audit_minutes: Annotated[int, Strict(), Field(ge=0, le=MAX_WAIT_MINUTES), WholeNumber] = 0
    """How long `pulumi up` may wait for the audit; 0 = do not block (the next run resumes)."""
    allow_withdraw: Bool = False
    """May withdraw a DIFFERENT version that is under audit (withdrawals are limited per day)."""
    accept_domain_loss: list[Text] | None = None
    """Domains (URLs or host names) this spec declares that may be dropped by the release: after a release
    through a third-party platform WeChat keeps only the platform's registered domains."""
