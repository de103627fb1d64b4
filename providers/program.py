"""The Pulumi program: one MiniProgram component per spec file, its resources as children."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG

from providers import release_domains
from providers._settings import Settings
from providers.models import MiniProgramSpec, SpecError, load_specs
from providers.preflight import preflight
from providers.registry import RESOURCES

DEFAULT_SPECS = "specs/*.yaml"


class MiniProgram(pulumi.ComponentResource):
    """One mini-program: a resource per managed block of its spec (absent blocks are not managed)."""

    def __init__(self, spec: MiniProgramSpec, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("wechat:index:MiniProgram", spec.name, None, opts)
        credentials: dict[str, Any] = spec.credentials.model_dump(mode="json", exclude_none=True)
        declared: list[pulumi.Resource] = []
        self.stack_outputs: dict[str, Any] = {"appid": spec.appid}
        for block, resource_class in RESOURCES.items():
            value = getattr(spec, block, None)
            if value is None:
                continue
            # the release goes last: submit_audit needs profile, categories and privacy in place
            depends_on = declared if block == "release" else []
            options = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
            name = f"{spec.name}-{block.replace('_', '-')}"
            spec_block = value.model_dump(mode="json", exclude_none=True)
            if block == "release":  # a platform release keeps only the platform's domains: it must know the spec's
                spec_block["declared_domains"] = release_domains.declared(
                    _dump(spec.server_domains), _dump(spec.webview_domains))
            resource = resource_class(name, spec.appid, credentials, spec_block, options)
            declared.append(resource)
            if block == "release":  # what `pulumi stack output` shows: where the release stands
                self.stack_outputs["release"] = {key: getattr(resource, key) for key in resource.extra_outputs}
        self.register_outputs(self.stack_outputs)


def _dump(block: Any) -> dict[str, Any] | None:
    return None if block is None else dict(block.model_dump(mode="json"))


def declare_stack(project_dir: Path) -> None:
    """Load every spec the stack names (config `specs`, a glob) and declare them.

    All specs are validated, then preflighted (config and secrets, source folders, credentials:
    `providers.preflight`), before anything is declared, so one problem stops the run with every
    problem listed once and no resource touched.
    """
    pattern = pulumi.Config().get("specs") or DEFAULT_SPECS
    # relative paths: they appear in error messages, and those end up in pull-request comments
    paths = sorted(path.relative_to(project_dir) for path in project_dir.glob(pattern))
    if not paths:
        raise pulumi.RunError(f"no spec files match {pattern!r} in {project_dir}")
    try:
        specs = load_specs(paths)
    except SpecError as error:
        raise pulumi.RunError(f"invalid spec:\n{error}") from None
    problems = preflight(specs, Settings.from_config(CONFIG.get()))
    if problems:
        raise pulumi.RunError(f"preflight: nothing was changed:\n{SpecError(problems)}")
    for spec in specs:
        pulumi.export(spec.name, MiniProgram(spec).stack_outputs)
