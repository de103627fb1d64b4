"""A workaround for the Pulumi SDK's pickler patch (pulumi/pulumi#17803); see `unwrap_pickler`."""

from __future__ import annotations

import pickle
from typing import Any


def unwrap_pickler() -> None:
    """Undo the pickler patch pulumi.dynamic leaves behind (pulumi/pulumi#17803).

    `pulumi.dynamic.serialize_provider` wraps `pickle._Pickler._batch_setitems` in a sorting
    wrapper on every call and never restores it, so the wrappers nest, one per dynamic resource
    declared in the process. Pickling our providers' (empty) state walks the whole chain: from
    about 985 resources on (a stack of ~160 mini-programs, or a few inline runs in one process)
    `pulumi preview` fails with RecursionError. Peeling the wrappers off around each declaration
    keeps the chain one deep; sorting still applies while the SDK serializes.
    """
    method: Any = pickle._Pickler.__dict__.get("_batch_setitems")
    for _ in range(100_000):  # bounded: each step peels one wrapper
        code = getattr(method, "__code__", None)
        if code is None or not method.__qualname__.startswith("serialize_provider.<locals>."):
            break
        if "unsorted_batch_setitems" not in code.co_freevars:
            break
        method = method.__closure__[code.co_freevars.index("unsorted_batch_setitems")].cell_contents
    if method is not None and method is not pickle._Pickler.__dict__.get("_batch_setitems"):
        pickle._Pickler._batch_setitems = method  # type: ignore[attr-defined]
