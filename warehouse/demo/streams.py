"""Seeded random streams: one independent numpy stream per part of the demo data.

Separate streams keep parts stable when another part changes: the item master does not
depend on `as_of` or `years`, so the ERP example can redraw it alone.
"""

from __future__ import annotations

import numpy as np

_PARTS = ("items", "suppliers", "offers", "demand", "orders", "stock", "purchase", "bad", "erp",
          "requirements")  # fmt: skip


def stream(seed: int, part: str) -> np.random.Generator:
    """An independent stream per part: the item master does not depend on `as_of` or `years`."""
    return np.random.default_rng([seed, _PARTS.index(part)])
