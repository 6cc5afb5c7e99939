"""``sweeps.utils.flatten``: a nested config as the flat dotted keys a run's params are logged as."""

from __future__ import annotations

from sweeps.utils.flatten import flatten_config


def test_flatten_config_dots_nested_keys_and_keeps_lists_whole():
    tree = {"model": {"hidden_dims": [64, 32], "dropout": 0.2, "extra": {}}, "seed": 0,
            "data": {"classes": None, "path": "a b.csv"}, "tags": {"k": {"v": [1]}}}
    assert flatten_config(tree) == {"model.hidden_dims": "[64, 32]", "model.dropout": "0.2", "model.extra": "{}",
                                    "seed": "0", "data.classes": "None", "data.path": "a b.csv", "tags.k.v": "[1]"}
