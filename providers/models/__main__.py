"""`python -m providers.models schema` prints the spec JSON Schema; `check [FILES]` validates specs."""

from __future__ import annotations

import sys

from providers.models.loader import find_spec_files, load_specs
from providers.models.problems import SpecError
from providers.models.schema import render_schema

USAGE = "usage: python -m providers.models schema | check [SPEC.yaml ...]  (check defaults to specs/*.yaml)"


def main(argv: list[str]) -> int:
    if argv == ["schema"]:
        sys.stdout.write(render_schema())
        return 0
    if argv[:1] == ["check"]:
        paths = argv[1:] or find_spec_files("specs")
        try:
            specs = load_specs(paths)
        except SpecError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"{len(specs)} spec(s) valid: {', '.join(spec.name for spec in specs)}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
