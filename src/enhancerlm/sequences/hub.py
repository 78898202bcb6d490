"""Hugging Face datasets (``hf:OWNER/NAME``) read through ``datasets.load_dataset``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any  # datasets.Dataset: an optional dependency

import pandas as pd

from enhancerlm.errors import InputError
from enhancerlm.sequences.tables import Columns, frame_to_table

log = logging.getLogger(__name__)

# Split names the hub uses for our canonical "val".
_VAL_NAMES = ("val", "validation", "valid", "dev")


def read_hub_dataset(
    hub_id: str,
    split: str = "",
    sequence_column: str = "sequence",
    label_column: str | None = "label",
    id_column: str = "id",
    *,
    require_labels: bool = False,
) -> pd.DataFrame:
    """Read a Hugging Face dataset into the canonical table (not yet validated).

    Parameters
    ----------
    hub_id : str
        ``OWNER/NAME`` on the hub, a local folder that ``datasets.load_dataset`` reads (CSV,
        parquet, JSON files), or a folder written by ``Dataset(Dict).save_to_disk``. Offline
        (``HF_HUB_OFFLINE=1``, or no connection) a hub id is read from ``datasets``' own cache
        of an earlier ``load_dataset``, else from the repository's snapshot in the Hugging Face
        hub cache (``hf download OWNER/NAME --repo-type dataset``).
    split : str
        The split to read (``"val"`` also finds ``validation``); ``""`` reads every split, each
        record marked with its split name.
    sequence_column, label_column, id_column : str
        Column names. Integer ``ClassLabel`` labels become their class names. Without an id
        column, ids are ``<NAME>_<split>_<row number>`` (1-based); reading several splits, ids
        start with ``<split>/``.
    require_labels : bool
        If True, a missing label column is an error; otherwise the records are unlabelled.

    Raises
    ------
    InputError
        The hub cannot be reached (the message says how to use local files instead), the
        dataset or split does not exist, or a column is missing.
    """
    columns = Columns(sequence_column, label_column, id_column)
    name = Path(hub_id.rstrip("/")).name
    parts, tables = _load(hub_id, split), []
    for split_name, dataset in parts:
        frame = _with_label_names(dataset.to_pandas(), dataset.features, label_column)
        canonical = "val" if split_name in _VAL_NAMES else split_name
        # Reading several splits, ids from an id column may repeat across them: prefix the split.
        prefix = f"{split_name}/" if len(parts) > 1 and id_column in frame.columns else ""
        tables.append(
            frame_to_table(
                frame,
                source=f"hf:{hub_id}",
                split=canonical,
                columns=columns,
                require_labels=require_labels,
                id_prefix=prefix,
                row_prefix=f"{name}_{split_name}_",
            )
        )
    return pd.concat(tables, ignore_index=True)


def _datasets():
    try:
        import datasets
    except ImportError:
        raise InputError("reading hf: datasets needs the 'datasets' package: pip install 'enhancerlm[hub]'") from None
    return datasets


def _load(hub_id: str, split: str) -> list[tuple[str, Any]]:
    """(split name, ``datasets.Dataset``) pairs for the requested split, or for all of them."""
    datasets = _datasets()
    try:
        try:
            split, loaded = _load_dataset(datasets, hub_id, split)
        except OSError:
            # Offline, datasets reads a hub id only from its own cache of prepared data (where an
            # earlier load_dataset put it); a repository snapshot in the hub cache is a folder of data files.
            snapshot = _hub_cache_snapshot(hub_id)
            if snapshot is None:
                raise
            log.info("hf:%s: reading the dataset repository's copy in the Hugging Face cache, %s", hub_id, snapshot)
            split, loaded = _load_dataset(datasets, snapshot, split)
    except datasets.exceptions.DatasetNotFoundError as err:
        raise InputError(f"hf:{hub_id}: dataset not found ({err}). {_local_hint(hub_id)}") from None
    except OSError as err:  # ConnectionError, offline mode and hub HTTP errors are all OSErrors
        raise InputError(
            f"hf:{hub_id}: the Hugging Face hub could not be reached ({err}). {_local_hint(hub_id)}"
        ) from None
    except ValueError as err:  # an unknown split, or files that datasets cannot parse
        raise InputError(f"hf:{hub_id}: cannot load split '{split or 'all'}': {err}") from None
    if isinstance(loaded, datasets.DatasetDict):
        return _pick_split(loaded, hub_id, split)
    return [(split, loaded)]


def _load_dataset(datasets, hub_id: str, split: str) -> tuple[str, Any]:
    """(the split's name there, what ``datasets`` loads for it): a saved-to-disk folder, or a hub id / data folder."""
    if _is_saved_to_disk(Path(hub_id)):
        return split, datasets.load_from_disk(hub_id)
    split = _hub_split(datasets, hub_id, split)
    return split, datasets.load_dataset(hub_id, split=split or None)


def _hub_cache_snapshot(hub_id: str) -> str | None:
    """The folder of ``hub_id``'s dataset repository in the Hugging Face cache (``hf download --repo-type dataset``)."""
    if hub_id.count("/") != 1 or Path(hub_id).exists():
        return None
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(hub_id, repo_type="dataset", local_files_only=True)
    except (OSError, ValueError):  # not in the cache, or not a valid repo id
        return None


def _is_saved_to_disk(folder: Path) -> bool:
    return (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file()


def _hub_split(datasets, hub_id: str, split: str) -> str:
    """The hub's name for ``split`` ("": all splits); "val" may be called "validation" there."""
    if split.lower() != "val":
        return split
    try:
        names = datasets.get_dataset_split_names(hub_id)
    except ValueError:
        return split
    return next((n for n in _VAL_NAMES if n in names), split)


def _pick_split(loaded, hub_id: str, split: str) -> list[tuple[str, Any]]:
    if not split:
        return list(loaded.items())
    wanted = _VAL_NAMES if split.lower() == "val" else (split,)
    for name in wanted:
        if name in loaded:
            return [(name, loaded[name])]
    raise InputError(f"hf:{hub_id}: no split '{split}'; the splits are {list(loaded)}")


def _with_label_names(frame: pd.DataFrame, features, label_column: str | None) -> pd.DataFrame:
    """Replace integer ``ClassLabel`` ids by their names, so labels read like the classes they are."""
    feature = features.get(label_column) if label_column else None
    if feature is None or not hasattr(feature, "int2str"):
        return frame
    names = list(feature.names)
    # -1 is the datasets convention for "no label".
    frame[label_column] = [names[i] if i >= 0 else "" for i in frame[label_column]]
    return frame


def _local_hint(hub_id: str) -> str:
    return (
        "To work offline, download it once where there is internet: "
        f"`hf download {hub_id} --repo-type dataset` (or load_dataset('{hub_id}') once) puts it in the "
        f"Hugging Face cache, where hf:{hub_id} finds it offline too; or "
        f"python -c \"import datasets; datasets.load_dataset('{hub_id}', split='train')"
        ".to_csv('train.csv')\", copy the CSV here and pass it as a file (--train train.csv); "
        "or save it with save_to_disk and pass hf:FOLDER."
    )
