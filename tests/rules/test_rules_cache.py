"""The JSON cache of the validated base: same base back, keyed by the bytes, never stale."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from rules_helpers import FIXTURE_BASE

from lossadvisor.errors import InputError
from lossadvisor.rules.engine import evaluate
from lossadvisor.rules.load import load_rulebase


@pytest.fixture
def base_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the fixture base and a private, empty cache directory."""
    base = tmp_path / "base"
    base.mkdir()
    for source in FIXTURE_BASE.glob("*.yaml"):
        (base / source.name).write_bytes(source.read_bytes())
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    return base


def cached_files(base: Path) -> list[Path]:
    return sorted((base.parent / "cache").glob("rules-*.json"))


def test_second_load_comes_from_the_cache_and_equals_the_first(base_copy: Path) -> None:
    fresh = load_rulebase(builtin_dir=base_copy)
    [cache] = cached_files(base_copy)
    again = load_rulebase(builtin_dir=base_copy)
    assert again == fresh  # field by field, rules and catalogs included
    facts = {"task": "regression", "outlier_ratio": 0.05, "batch_size": 8192}
    assert evaluate(again, facts) == evaluate(fresh, facts)
    # prove the second load read the cache: an edit to the cached JSON shows through
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["rules"][0]["source"] = "edited in the cache"
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert load_rulebase(builtin_dir=base_copy).rules[0].source == "edited in the cache"


def test_a_changed_rule_file_misses_the_cache(base_copy: Path) -> None:
    load_rulebase(builtin_dir=base_copy)
    task = base_copy / "task.yaml"
    task.write_text(
        task.read_text(encoding="utf-8").replace('source: "article §1 row 1"', 'source: "new"'),
        encoding="utf-8",
    )
    changed = load_rulebase(builtin_dir=base_copy)
    assert changed.rules[0].source == "new"
    assert len(cached_files(base_copy)) == 2


def test_a_corrupt_cache_is_ignored(base_copy: Path) -> None:
    fresh = load_rulebase(builtin_dir=base_copy)
    [cache] = cached_files(base_copy)
    cache.write_text('{"losses": 1', encoding="utf-8")
    assert load_rulebase(builtin_dir=base_copy) == fresh


def test_invalid_bases_are_not_cached(base_copy: Path) -> None:
    (base_copy / "data.yaml").write_text("table: data\nrules: [{id: x}]\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_rulebase(builtin_dir=base_copy)
    assert cached_files(base_copy) == []


def test_empty_cache_dir_disables_the_cache(
    base_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", "")
    load_rulebase(builtin_dir=base_copy)
    assert not (base_copy.parent / "cache").exists()


def test_user_files_are_part_of_the_key(base_copy: Path, tmp_path: Path) -> None:
    user = tmp_path / "team.yaml"
    user.write_text(
        "table: task\nrules:\n  - id: task.team\n    covers: []\n    when: {}\n"
        "    score: {mae: 1}\n    because: b\n    source: s\n",
        encoding="utf-8",
    )
    plain = load_rulebase(builtin_dir=base_copy)
    with_user = load_rulebase([user], builtin_dir=base_copy)
    assert with_user.rule("task.team") is not None and plain.rule("task.team") is None
    assert load_rulebase([user], builtin_dir=base_copy) == with_user


# --- pruning (issue 13: the cache was never pruned) ---------------------------------------------


def _fake_bases(directory: Path, count: int, newest: float) -> list[Path]:
    """`count` cache files, one a minute apart, the first the newest."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f"rules-{i:064x}.json"
        path.write_text("{}", encoding="utf-8")
        os.utime(path, (newest - 60 * i, newest - 60 * i))
        paths.append(path)
    return paths


def test_a_write_keeps_only_the_most_recent_bases(base_copy: Path) -> None:
    from lossadvisor.rules.cache import KEEP

    cache = base_copy.parent / "cache"
    now = time.time()
    fakes = _fake_bases(cache, KEEP + 4, newest=now - 3600)
    stale, fresh = cache / ".rules-dead.tmp", cache / ".rules-live.tmp"
    for tmp, age in ((stale, 7200), (fresh, 5)):
        tmp.write_text("partial", encoding="utf-8")
        os.utime(tmp, (now - age, now - age))
    load_rulebase(builtin_dir=base_copy)  # a miss: writes one base, then prunes
    kept = cached_files(base_copy)
    assert len(kept) == KEEP
    assert set(fakes[: KEEP - 1]) < set(kept)  # the newest fakes and the new base survive
    assert not any(path.exists() for path in fakes[KEEP - 1 :])
    assert not stale.exists() and fresh.exists()  # a live writer's temp file is left alone


def test_a_cache_hit_counts_as_recent_use(base_copy: Path) -> None:
    from lossadvisor.rules.cache import KEEP

    load_rulebase(builtin_dir=base_copy)
    [used] = cached_files(base_copy)
    os.utime(used, (1_000_000, 1_000_000))  # written long ago...
    load_rulebase(builtin_dir=base_copy)  # ...but read now
    _fake_bases(used.parent, KEEP, newest=time.time() - 600)
    task = base_copy / "task.yaml"
    task.write_text(task.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    load_rulebase(builtin_dir=base_copy)  # a new key: write + prune
    assert used.exists()
    assert len(cached_files(base_copy)) == KEEP


def test_concurrent_writers_and_pruners_never_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from lossadvisor.rules.cache import KEEP, prune, write_cached

    cache = tmp_path / "cache"
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", "")
    base = load_rulebase(builtin_dir=FIXTURE_BASE)  # no caching while building the base
    monkeypatch.setenv("LOSSADVISOR_CACHE_DIR", str(cache))

    def writer(worker: int) -> None:
        for i in range(25):
            write_cached(f"{worker:02d}{i:062x}", base)
            prune(cache, keep=2)  # an aggressive second pruner in the same race

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(writer, range(4)))  # re-raises any worker's exception
    assert 1 <= len(list(cache.glob("rules-*.json"))) <= KEEP
    assert not list(cache.glob(".rules-*.tmp"))


def test_pruning_a_missing_directory_is_a_no_op(tmp_path: Path) -> None:
    from lossadvisor.rules.cache import prune

    prune(tmp_path / "gone")
