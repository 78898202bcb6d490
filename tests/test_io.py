"""Outputs appear whole or not at all."""

from __future__ import annotations

import pytest

from enhancerlm.io import atomic_dir, atomic_path, write_text_atomic


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.tsv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_replaces_and_keeps_normal_permissions(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o044 == 0o044  # readable by group and others, like any output


def test_atomic_dir_replaces_whole_folder_or_nothing(tmp_path):
    target = tmp_path / "run"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    with pytest.raises(ValueError):
        with atomic_dir(target) as tmp:
            (tmp / "b.txt").write_text("b")
            raise ValueError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
