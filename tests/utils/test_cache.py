"""``sweeps.utils.cache``: keys that change with what they hash, atomic writes, and an array cache
that treats a corrupt or pickled entry as a miss."""

from __future__ import annotations


import numpy as np
import pytest

from sweeps.utils.cache import ArrayCache, atomic_write, cache_key


def test_cache_key_is_stable_across_key_order_and_changes_with_any_value():
    key = cache_key("features", {"dim": 50, "data": {"path": "a.csv", "rows": 10}})
    assert key == cache_key("features", {"data": {"rows": 10, "path": "a.csv"}, "dim": 50})
    assert key.startswith("features-") and len(key) == len("features-") + 16
    assert key != cache_key("features", {"dim": 51, "data": {"path": "a.csv", "rows": 10}})
    assert key != cache_key("vectors", {"dim": 50, "data": {"path": "a.csv", "rows": 10}})


def test_atomic_write_leaves_the_old_file_and_no_temp_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "deep" / "entry.bin"
    atomic_write(target, lambda tmp: tmp.write_bytes(b"first"))
    assert target.read_bytes() == b"first"

    def half_write(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_write)
    assert target.read_bytes() == b"first" and sorted(p.name for p in target.parent.iterdir()) == ["entry.bin"]


def test_array_cache_round_trips_and_misses(tmp_path):
    cache = ArrayCache(tmp_path / "cache")
    assert cache.load("absent") is None
    arrays = {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "labels": np.array([0, 1])}
    cache.save("k", arrays)
    loaded = cache.load("k")
    assert set(loaded) == {"x", "labels"} and all(np.array_equal(loaded[n], arrays[n]) for n in arrays)
    assert loaded["x"].dtype == np.float32 and cache.path("k") == tmp_path / "cache" / "k.npz"


def test_unreadable_or_pickled_entries_are_misses(tmp_path):
    cache = ArrayCache(tmp_path)
    for name, content in (("garbage", b"not an npz at all"), ("empty", b"")):
        cache.path(name).write_bytes(content)
        assert cache.load(name) is None, name
    cache.save("objects", {"o": np.array([{"a": 1}], dtype=object)})  # would need pickle to read
    assert cache.load("objects") is None


def test_a_truncated_entry_is_a_miss(tmp_path):
    cache = ArrayCache(tmp_path)
    cache.save("k", {"x": np.arange(1000)})
    whole = cache.path("k").read_bytes()
    cache.path("k").write_bytes(whole[: len(whole) // 2])
    assert cache.load("k") is None
