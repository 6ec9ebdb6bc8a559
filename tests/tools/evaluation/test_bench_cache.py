import shutil
from pathlib import Path

from tools.evaluation.bench_cache import cache_key, data_digest, read_cached, write_cached

OPTIONS = {"sample": 3, "seed": 42}


def data_dir(root: Path) -> Path:
    (root / "nlu" / "service").mkdir(parents=True)
    (root / "nlu" / "service" / "a.yml").write_text("one")
    (root / "train.csv").write_text("text,label\nhi,greet\n")
    return root


def key(root: Path, config: str = "pipeline: []", options: dict[str, int] = OPTIONS) -> str:
    return cache_key(data_digest([root / "nlu", root / "train.csv"]), config, options)


def test_the_key_is_stable_and_ignores_where_the_data_lives(tmp_path: Path) -> None:
    original = data_dir(tmp_path / "a")
    copy = tmp_path / "b"
    shutil.copytree(original, copy)

    assert key(original) == key(original) == key(copy)
    assert len(key(original)) == 64


def test_the_key_changes_with_data_config_and_options(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    before = key(root)

    assert key(root, config="pipeline: [x]") != before
    assert key(root, options={**OPTIONS, "sample": 4}) != before
    (root / "nlu" / "service" / "a.yml").write_text("two")
    assert key(root) != before


def test_moving_a_file_between_directories_changes_the_key(tmp_path: Path) -> None:
    root = data_dir(tmp_path)
    before = key(root)

    (root / "nlu" / "conflict").mkdir()
    (root / "nlu" / "service" / "a.yml").rename(root / "nlu" / "conflict" / "a.yml")

    assert key(root) != before


def test_a_missing_path_still_has_a_digest(tmp_path: Path) -> None:
    assert data_digest([tmp_path / "missing"]) != data_digest([])


def test_results_round_trip_and_damaged_entries_are_misses(tmp_path: Path) -> None:
    write_cached(tmp_path, "k", {"metrics": {"macro_f1": 0.5}})

    assert read_cached(tmp_path, "k") == {"metrics": {"macro_f1": 0.5}}
    assert read_cached(tmp_path, "other") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert read_cached(tmp_path, "bad") is None
