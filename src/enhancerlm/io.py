"""Atomic output: a file appears whole or not at all, so a failed run leaves no half-written output."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from enhancerlm.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it over ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


@contextmanager
def atomic_dir(path: str | Path):
    """Yield a temporary folder beside ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_writable(path: str | Path, *, folder: bool, option: str = "--out") -> Path:
    """Refuse, before any work, an output that could not be written; creates nothing that stays.

    Parameters
    ----------
    path : str or Path
        The output file (``folder=False``) or folder (``folder=True``, written into or replaced whole).
    folder : bool
        Whether ``path`` names a folder.
    option : str
        The flag that named ``path``, for the message.

    Raises
    ------
    InputError
        ``path`` is a folder where a file is expected (or the reverse), a parent is a file, or a
        file cannot be created where the output would go (missing permission, read-only or virtual
        file system such as /proc). Checked by creating and removing a probe file, because
        ``os.access`` says yes to root even where the file system refuses.
    """
    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        expected = "a folder" if folder else "a file name"
        raise InputError(f"{option} {path}: {'a file' if folder else 'a folder'} is there; give {expected}")
    places = [_existing_ancestor(path.parent)] + ([path] if folder and path.is_dir() else [])
    for place in places:
        if not place.is_dir():
            raise InputError(f"{option} {path}: {place} is a file, so nothing can be written under it")
        try:
            fd, probe = tempfile.mkstemp(prefix=".enhancerlm-probe.", dir=place)
        except OSError as err:
            raise InputError(f"{option} {path}: cannot write in {place} ({err.strerror})") from None
        os.close(fd)
        os.unlink(probe)
    return path


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself, or its nearest parent that exists (parents are created when the output is written)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
