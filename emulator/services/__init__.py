"""WeChat API areas, one module each (moto's shape: state functions apart from request handling).

Importing this package imports every module in it, which registers each area's routes, console
actions and seed sections in `emulator.routing`: a new area is a new module here, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil

MODULES = tuple(sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")))

for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")
