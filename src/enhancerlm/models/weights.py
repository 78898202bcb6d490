"""Pre-trained weights from a hub id, the Hugging Face cache or a folder: safetensors first, pickle only as tensors.

Where a checkpoint has ``model.safetensors`` it is read. Where it has only ``pytorch_model.bin``
(DNABERT's GitHub release, older hub repositories), that pickle file is read through torch's
weights-only unpickler, which rebuilds tensors and plain containers and refuses anything else:
no object in the file is constructed and no code in it runs. transformers 5 reads ``.bin`` files this
way itself (``modeling_utils.load_state_dict`` calls ``torch.load(..., weights_only=True)``); the
call here asks for it explicitly as well, so the guarantee does not rest on a library default.

transformers prints a table of the new and unused weights each time a model is built on a
pre-trained body (a new classification head is expected there); it is replaced by one log line.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import re
from pathlib import Path

from enhancerlm.errors import ModelNotFoundError

log = logging.getLogger(__name__)

# The weights files transformers looks for, in its order of preference.
WEIGHTS_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# transformers logs its per-load table of MISSING / UNEXPECTED weights from this logger.
_REPORT_LOGGER = "transformers.modeling_utils"


def from_pretrained(load, source: str, what: str, *, allow_bin_weights: bool | None = None, **kwargs):
    """Call a ``from_pretrained``-style ``load(source, ...)`` of a config or tokenizer; failures -> clear errors.

    Parameters
    ----------
    load : callable
        E.g. ``BertConfig.from_pretrained``.
    source : str
        Hub id or local folder.
    what : str
        What is loaded, for messages ("DNABERT config").
    allow_bin_weights : bool or None
        Given: ``load`` builds a model, and :func:`load_model` loads it (kept for callers that
        load weights through this function).

    Raises
    ------
    ModelNotFoundError
        The source cannot be read; the message says how to get it.
    """
    if allow_bin_weights is not None:
        return load_model(load, source, what, allow_bin_weights=allow_bin_weights, **kwargs)
    try:
        return load(source, **kwargs)
    except (OSError, ValueError) as err:
        raise ModelNotFoundError(explain_load_failure(source, what, err)) from None


def load_model(load, source: str, what: str, *, allow_bin_weights: bool = True, **kwargs):
    """A model from ``load(source, ...)`` (a model class's ``from_pretrained``), its weights read safely.

    Parameters
    ----------
    load : callable
        E.g. ``BertForSequenceClassification.from_pretrained``.
    source : str
        Hub id (read from the Hugging Face cache when it holds it) or local folder.
    what : str
        What is loaded, for messages ("DNABERT model").
    allow_bin_weights : bool
        True (default): safetensors where the checkpoint has them, else ``pytorch_model.bin``
        through torch's weights-only unpickler. False: safetensors only.
    **kwargs
        Passed to ``load`` (``config=``, ``trust_remote_code=`` ...).

    Returns
    -------
    transformers.PreTrainedModel

    Raises
    ------
    ModelNotFoundError
        The checkpoint cannot be found or read, or its pickle file holds more than tensors.
    """
    try:
        with _quiet_load_report():
            model, info = load(
                source,
                use_safetensors=None if allow_bin_weights else True,
                weights_only=True,
                output_loading_info=True,
                **kwargs,
            )
    except pickle.UnpicklingError as err:
        raise ModelNotFoundError(_refused_pickle(source, what, err)) from None
    except (OSError, ValueError) as err:
        raise ModelNotFoundError(explain_load_failure(source, what, err, allow_bin_weights)) from None
    _log_loaded(model, source, what, info)
    return model


def weights_file(source: str) -> str | None:
    """Name of the weights file a load of ``source`` reads (folder, or the cache after a download); None: unknown."""
    folder = Path(source)
    for name in WEIGHTS_FILES:
        if folder.is_dir():
            if (folder / name).is_file():
                return name
        elif _in_hub_cache(source, name):
            return name
    return None


def _in_hub_cache(repo_id: str, filename: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, filename), str)
    except ValueError:  # not a valid repo id: nothing of it can be cached
        return False


@contextlib.contextmanager
def _quiet_load_report():
    """Drop transformers' LOAD REPORT table and its "Loading weights" bar; :func:`_log_loaded` says it in one line."""
    from transformers.utils import logging as hf_logging

    report_logger = logging.getLogger(_REPORT_LOGGER)
    report_logger.addFilter(_not_a_load_report)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        report_logger.removeFilter(_not_a_load_report)
        if bars:
            hf_logging.enable_progress_bar()


def _not_a_load_report(record: logging.LogRecord) -> bool:
    return "LOAD REPORT" not in record.getMessage()


def _log_loaded(model, source: str, what: str, info: dict) -> None:
    """One line: which file was read (and how), which weights are new, which checkpoint tensors went unused.

    New weights outside the pre-trained body (a classification or MLM head, a pooler) are expected
    when a pre-trained body gets a new task: INFO. New weights inside the body mean the checkpoint
    does not match the architecture: WARNING.
    """
    body = getattr(model, "base_model_prefix", "") or "\0"
    missing = sorted(info.get("missing_keys", ()))
    in_body = [k for k in missing if k.startswith(body + ".") and ".pooler." not in k]
    parts = [f"{what} {source}: {_how_read(source)}"]
    if missing:
        parts.append(f"newly initialised: {_groups(missing)} ({len(missing)} tensors)")
    if info.get("unexpected_keys"):
        parts.append(
            f"unused from the checkpoint: {_groups(info['unexpected_keys'])} ({len(info['unexpected_keys'])} tensors)"
        )
    if in_body:
        parts.append(f"{len(in_body)} new tensor(s) in the pre-trained body, which the checkpoint should have held")
    log.log(logging.WARNING if in_body else logging.INFO, "; ".join(parts))


def _how_read(source: str) -> str:
    name = weights_file(source)
    if name is None:
        return "weights read"
    if name.startswith("pytorch_model"):
        return (
            f"weights read from {name}: pickle, through torch's weights-only unpickler "
            "(tensors only; nothing in the file was run)"
        )
    return f"weights read from {name}"


def _groups(keys) -> str:
    """``cls.predictions.transform.dense.bias`` ... -> ``cls.predictions``: the modules the tensors belong to."""
    modules = {".".join(k.split(".")[:-1][:2]) or k for k in keys}
    return ", ".join(sorted(modules))


def _refused_pickle(source: str, what: str, err: Exception) -> str:
    name = weights_file(source) or "pytorch_model.bin"
    found = re.search(r"Unsupported global: GLOBAL (\S+)", str(err))
    detail = f" (it refers to {found.group(1)})" if found else ""
    return (
        f"could not load the {what} from {source}: its {name} holds more than tensors{detail}. "
        "Pickle weights are read only through torch's weights-only unpickler, which refused this file; "
        "nothing in it was run. Use a checkpoint with model.safetensors weights instead."
    )


def explain_load_failure(source: str, what: str, err: Exception, allow_bin_weights: bool = True) -> str:
    """The message for a failed load: the cause's first line and how to get the model in place."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if Path(source).exists():
        folder = Path(source)
        pickle_only = any(folder.glob("*.bin")) and not any(folder.glob("*.safetensors"))
        hint = (
            "; the folder has only pickle (.bin) weights, which --no-allow-bin-weights refuses "
            "(without it they are read through torch's weights-only unpickler)"
            if pickle_only and not allow_bin_weights
            else ""
        )
        return f"could not load the {what} from folder {source}: {text}{hint}"
    from huggingface_hub import constants

    offline = (
        f"HF_HUB_OFFLINE is set, so only the Hugging Face cache ({constants.HF_HUB_CACHE}) was searched. "
        if constants.HF_HUB_OFFLINE
        else ""
    )
    return (
        f"could not load the {what} {source!r} from the Hugging Face hub ({text}). {offline}"
        f"Download it once where there is internet: `hf download {source}` puts it in the Hugging Face cache, "
        "where this hub id finds it offline too; or "
        f"`hf download {source} --local-dir DIR` and pass DIR instead of the hub id."
    )
