"""A nested config as flat dotted keys: how a run's parameters are logged and compared."""

from __future__ import annotations

import json
from typing import Any, Mapping


def flatten_config(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"model": {"dropout": 0.2}}`` -> ``{"model.dropout": "0.2"}``; lists stay whole."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten_config(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return flat
