"""Outputs appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from enhancerlm.errors import InputError
from enhancerlm.io import atomic_dir, atomic_path, check_writable, write_text_atomic


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


@pytest.mark.parametrize("folder", [False, True])
def test_check_writable_accepts_new_paths_and_leaves_nothing(tmp_path, folder):
    target = tmp_path / "new" / "deeper" / ("out" if folder else "out.tsv")
    assert check_writable(target, folder=folder) == target
    assert list(tmp_path.iterdir()) == []  # no parent created, no probe file left


def test_check_writable_refuses_a_file_parent_and_the_wrong_kind(tmp_path):
    afile, adir = tmp_path / "a.fa", tmp_path / "run"
    afile.write_text(">a\nACGT\n")
    adir.mkdir()
    with pytest.raises(
        InputError, match=r"--out .*a\.fa/x\.tsv: .*a\.fa is a file, so nothing can be written under it"
    ):
        check_writable(afile / "x.tsv", folder=False)
    with pytest.raises(InputError, match="a folder is there; give a file name"):
        check_writable(adir, folder=False)
    with pytest.raises(InputError, match="--model-out .*a file is there; give a folder"):
        check_writable(afile, folder=True, option="--model-out")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (a file system that refuses new files)")
def test_check_writable_refuses_a_file_system_that_refuses_files():
    # root passes os.access here, so only creating a file tells
    with pytest.raises(InputError, match=r"--out /proc/x\.tsv: cannot write in /proc \("):
        check_writable("/proc/x.tsv", folder=False)
