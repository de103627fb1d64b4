"""`python -m providers.models schema [platform]` prints a JSON Schema; `check [FILES]` validates specs
(mini-program and platform specs alike)."""

from __future__ import annotations

import sys

from providers.models.loader import find_spec_files
from providers.models.problems import SpecError
from providers.models.schema import render_schema
from providers.models.stack import load_stack

USAGE = "usage: python -m providers.models schema [platform] | check [SPEC.yaml ...]  (check defaults to specs/*.yaml)"


def main(argv: list[str]) -> int:
    if argv in (["schema"], ["schema", "platform"]):
        sys.stdout.write(render_schema("platform" if argv[1:] else "miniprogram"))
        return 0
    if argv[:1] == ["check"]:
        paths = argv[1:] or find_spec_files("specs")
        try:
            stack = load_stack(paths)
        except SpecError as error:
            print(error, file=sys.stderr)
            return 1
        names = [*(f"{spec.name} (platform)" for spec in stack.platforms), *(spec.name for spec in stack.miniprograms)]
        print(f"{len(names)} spec(s) valid: {', '.join(names)}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
