"""Backbone registry: names -> specs, and the two entry points `create_classifier` / `load_classifier`.

Backbone quirks (hub id, tokenizer, maximum length, remote code, fine-tuning defaults) live in each
family's module, which registers its specs here; nothing else in the package tests a model's name.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from enhancerlm.errors import ConfigError, ModelNotFoundError
from enhancerlm.finetuning import FinetuneDefaults
from enhancerlm.models.base import SequenceClassifier, read_manifest
from enhancerlm.sequences.records import LabelMap
from enhancerlm.sequences.task import Task

log = logging.getLogger(__name__)

# The specs live in models/catalog.py (plain data, imported on first use); each family's class in its own
# module, imported only when that family is created or loaded, since most pull in torch and transformers.
_FAMILY_MODULES = {
    "dnabert": "dnabert",
    "hf": "hub",
    "cnn": "cnn",
    "kmer-lr": "kmer_lr",
    "gkm-lr": "gkm_lr",
    "gc": "gc",
    "ensemble": "ensemble",
    "probe": "probe",
}


@dataclass(frozen=True)
class BackboneSpec:
    """One registry entry.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"dnabert-6"``.
    family : str
        Family whose class creates and loads it.
    description : str
        One line for ``enhancerlm models``.
    hub_id : str or None
        Hugging Face hub id of pre-trained weights; None for built-in random-init models.
    k : int or None
        k-mer size for k-mer tokenizers.
    max_tokens : int or None
        Longest input in tokens ([CLS]/[SEP] included); None for models without a limit.
    needs_remote_code : bool
        The hub code must run (``--trust-remote-code`` required).
    config : dict
        Architecture of built-in models (e.g. a tiny BERT), passed to the family.
    is_baseline : bool
        A cheap non-LM model (k-mer LR, GC, CNN).
    min_bp : int or None
        Shortest input, in bp, with a feature of its own for a model without a tokenizer k (a k-mer
        baseline's shortest k-mer); equals its classifiers' ``min_bp``.
    finetune : FinetuneDefaults or None
        Fine-tuning settings that suit this backbone (``enhancerlm run`` starts from them); None for
        models fitted in closed form (k-mer LR, GC, ensembles of them), which have no learning rate.
    """

    name: str
    family: str
    description: str
    hub_id: str | None = None
    k: int | None = None
    max_tokens: int | None = 512
    needs_remote_code: bool = False
    config: dict = field(default_factory=dict, hash=False)
    is_baseline: bool = False
    min_bp: int | None = None
    finetune: FinetuneDefaults | None = FinetuneDefaults()

    @property
    def short_below_bp(self) -> int | None:
        """Inputs shorter than this many bp have no token or feature of their own (``min_bp``, else ``k``);
        None where every non-empty input has one. Known without importing the family (and torch)."""
        return self.min_bp or self.k


@dataclass(frozen=True)
class CreateOptions:
    """How to build a fresh classifier from a spec.

    Parameters
    ----------
    source : str or None
        Local folder (hub layout) or hub id overriding the spec's ``hub_id``.
    trust_remote_code : bool
        Allow a hub repository's own Python code to run; only by explicit user request.
    allow_bin_weights : bool
        Where a checkpoint has no safetensors, read its pickle (``pytorch_model.bin``) weights through
        torch's weights-only unpickler (tensors only, no code runs). On by default; False: safetensors only.
    seed : int
        Seed of the freshly initialised weights (the classification head, or all of a random-init model).
    """

    source: str | None = None
    trust_remote_code: bool = False
    allow_bin_weights: bool = True
    seed: int = 0


_SPECS: dict[str, BackboneSpec] = {}
_FAMILIES: dict[str, type[SequenceClassifier]] = {}
_loaded = False


def register_family(name: str):
    """Class decorator: ``@register_family("dnabert")`` makes the class create/load that family."""

    def wrap(cls):
        cls.family = name
        _FAMILIES[name] = cls
        return cls

    return wrap


def register(spec: BackboneSpec) -> BackboneSpec:
    """Add a spec; a name can be registered once."""
    if spec.name in _SPECS:
        raise ConfigError(f"backbone {spec.name!r} is registered twice")
    _SPECS[spec.name] = spec
    return spec


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module("enhancerlm.models.catalog")


def _family_classes() -> list[type[SequenceClassifier]]:
    """Every family's class (importing each family module), in registry order."""
    return [family_class(family) for family in _FAMILY_MODULES]


def list_backbones() -> list[BackboneSpec]:
    """Every registered spec."""
    _ensure_loaded()
    return list(_SPECS.values())


def get_backbone(name: str) -> BackboneSpec:
    """The spec registered as ``name``; an unknown name is a ConfigError listing the known ones."""
    _ensure_loaded()
    if name not in _SPECS:
        raise ConfigError(f"unknown backbone {name!r}; known: {', '.join(_SPECS)} (or a model folder / hub id)")
    return _SPECS[name]


def family_class(family: str) -> type[SequenceClassifier]:
    """The class that creates and loads ``family``."""
    if family not in _FAMILY_MODULES:
        raise ConfigError(f"unknown model family {family!r}; known: {', '.join(_FAMILY_MODULES)}")
    if family not in _FAMILIES:
        importlib.import_module(f"enhancerlm.models.{_FAMILY_MODULES[family]}")  # registers its class
    return _FAMILIES[family]


def fits_in_closed_form(name_or_path: str) -> bool:
    """True for backbones trained by their own ``fit`` (k-mer LR, GC, ensembles): no untrained head, no lr to search."""
    return family_class(resolve_backbone(name_or_path)[0].family).fits_in_closed_form


def resolve_backbone(name_or_path: str) -> tuple[BackboneSpec, str | None]:
    """A registry name, a local model folder or a hub id -> (spec, weights source or None)."""
    _ensure_loaded()
    if name_or_path in _SPECS:
        spec = _SPECS[name_or_path]
        return spec, spec.hub_id
    path = Path(name_or_path)
    if path.is_dir():
        return _spec_for_folder(path), str(path)
    for spec in _SPECS.values():
        if spec.hub_id == name_or_path:
            return spec, name_or_path
    if "/" in name_or_path and not name_or_path.startswith((".", "/")):
        return _generic_hub_spec(name_or_path), name_or_path
    raise ModelNotFoundError(
        f"backbone {name_or_path!r} is neither a registry name ({', '.join(_SPECS)}), "
        "an existing model folder, nor a hub id of the form owner/name"
    )


def _spec_for_folder(path: Path) -> BackboneSpec:
    """Which spec a local hub-layout folder belongs to: our manifest, else the first family that claims
    it (DNABERT by its vocab.txt), else generic."""
    manifest = read_manifest(path)
    if manifest.get("backbone") in _SPECS:
        return _SPECS[manifest["backbone"]]
    for cls in _family_classes():
        spec = cls.spec_for_folder(path)
        if spec is not None:
            return spec
    return _generic_hub_spec(str(path))


def _generic_hub_spec(source: str) -> BackboneSpec:
    if "hf" not in _FAMILY_MODULES:
        raise ModelNotFoundError(f"{source!r}: no registered family can load an arbitrary hub model")
    return BackboneSpec(name=source, family="hf", description="hub model", hub_id=source)


def create_classifier(name_or_path: str, task: "Task | LabelMap", options: CreateOptions = CreateOptions()):
    """A fresh classifier for fine-tuning: pre-trained body (if any) plus a new head seeded by ``options.seed``.

    ``task``: what the head predicts (a LabelMap is the binary or multi-class task of its classes):
    every family learns every kind (``SequenceClassifier.task_kinds``), each with the loss or fit of
    its kind.
    """
    task = task if isinstance(task, Task) else Task.from_label_map(task)
    spec, source = resolve_backbone(name_or_path)
    if spec.needs_remote_code and not options.trust_remote_code:
        raise ConfigError(
            f"backbone {spec.name!r} runs code from its hub repository; pass --trust-remote-code to allow it"
        )
    if options.source is None and source is not None:
        options = CreateOptions(source, options.trust_remote_code, options.allow_bin_weights, options.seed)
    cls = family_class(spec.family)
    if task.kind not in cls.task_kinds:
        raise ConfigError(
            f"backbone {spec.name!r}: its family {spec.family!r} learns {', '.join(cls.task_kinds)} tasks, "
            f"not {task.kind} ({', '.join(task.names)})"
        )
    return cls.create(spec, task, options)


def create_encoder(name_or_path: str, trust_remote_code: bool = False):
    """The token encoder of a backbone or model folder, without building the model."""
    spec, source = resolve_backbone(name_or_path)
    return family_class(spec.family).create_encoder(spec, source, trust_remote_code)


def load_classifier(directory: str | Path) -> SequenceClassifier:
    """Load a model saved by enhancerlm (``run``'s ``model/``, ``train``'s output) from ``directory``."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if not manifest:
        raise ModelNotFoundError(
            f"{directory}: not an enhancerlm model folder (no enhancerlm.json); "
            "fine-tuned models are written by `enhancerlm run` into OUT/model"
        )
    if "id2label" not in manifest:
        raise ModelNotFoundError(
            f"{directory}: a pre-trained ({manifest.get('kind', 'unlabelled')}) model has no classification head; "
            f"fine-tune it first: enhancerlm run --backbone {directory} ..."
        )
    return family_class(manifest["family"]).load(directory)


def describe(spec: BackboneSpec) -> dict:
    """JSON-able summary of a spec (for configs and `enhancerlm models`)."""
    return json.loads(json.dumps(dataclasses.asdict(spec), default=str))
