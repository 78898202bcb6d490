"""`RunConfig`: every setting of `enhancerlm run`, typed; defaults < backbone < config file < command-line flags."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

from enhancerlm.config import ConfigBase, check_quantize_mode, load_yaml
from enhancerlm.errors import ConfigError


@dataclass
class RunConfig(ConfigBase):
    """Settings of one experiment; each field is also a flag of ``enhancerlm run`` (``--search-lrs`` ...).

    The defaults follow the reference study where it was right (80/20 search split on a balanced
    500 + 500 subset) and fix what it did wrong (overlapping k-mers, windows instead of truncation,
    whole-set metrics, batched inference, leakage reporting). The fine-tuning settings in
    ``BACKBONE_FIELDS`` (learning rate, epochs, batch, search grid ...) default to None: "from the
    backbone's registry entry" (:class:`enhancerlm.models.registry.FinetuneDefaults`), filled in by
    :func:`resolve_run_config` before a run starts, because what suits a pre-trained BERT-base (the
    study's lr 3e-5) leaves a random-init small model untrained.
    """

    config_label = "run config"  # from_dict / to_dict: ConfigBase
    coerce_values = True  # a YAML file's '3e-5' is a learning rate here

    train: list[str] = field(default_factory=list, metadata={"help": "Training SPEC(s): PATH or PATH:LABEL."})
    test: list[str] = field(default_factory=list, metadata={"help": "Test SPEC(s): PATH or PATH:LABEL."})
    backbone: str = field(default="tiny-dnabert-6", metadata={"help": "Registry name, model folder or hub id."})
    out: str = field(default="", metadata={"help": "Output folder."})
    seed: int = field(default=0, metadata={"help": "Seed for sampling, splits, head initialisation and training."})
    sequence_column: str = field(default="sequence", metadata={"help": "Sequence column of CSV/TSV inputs."})
    strict_ids: bool = field(
        default=False,
        metadata={
            "help": "Make an id repeated within a split an error instead of renaming later repeats NAME~2, NAME~3, ..."
        },
    )
    min_length: typing.Optional[int] = field(
        default=None,
        metadata={
            "help": "Drop records shorter than N bp (counted in a warning); default: keep every non-empty record."
        },
    )
    label_column: str = field(default="label", metadata={"help": "Label column of CSV/TSV inputs."})
    genome: typing.Optional[str] = field(
        default=None,
        metadata={
            "help": "Genome FASTA that region-file SPECs (peaks.bed:LABEL, narrowPeak, GB .csv.gz) are cut from."
        },
    )
    map_chroms: bool = field(
        default=False,
        metadata={"help": "Map chromosome names chr1 <-> 1, chrM <-> MT between region files and --genome."},
    )
    positive_label: typing.Optional[str] = field(default=None, metadata={"help": "Positive class of a binary task."})
    dedup: bool = field(
        default=True, metadata={"help": "Remove test duplicates (exact, reverse complement) from train."}
    )
    search: bool = field(default=True, metadata={"help": "Run the learning-rate/epoch search first."})
    search_lrs: typing.Optional[list[float]] = field(
        default=None, metadata={"help": "Learning rates of the grid search (default: from the backbone)."}
    )
    search_epochs: typing.Optional[int] = field(
        default=None, metadata={"help": "Epochs per search trial, every epoch evaluated (default: from the backbone)."}
    )
    search_per_class: int = field(default=500, metadata={"help": "Balanced search subset: sequences per class."})
    search_val_fraction: float = field(default=0.2, metadata={"help": "Validation share of the search subset."})
    search_metric: typing.Optional[str] = field(
        default=None,
        metadata={"help": "Validation metric that picks the best (lr, epochs) (default: from the backbone)."},
    )
    search_trials: int = field(
        default=0, metadata={"help": "Optuna trials over a larger space instead of the grid (0: grid)."}
    )
    lr: typing.Optional[float] = field(
        default=None,
        metadata={"help": "Fine-tuning learning rate (default: from the backbone; the search's choice when it runs)."},
    )
    epochs: typing.Optional[int] = field(
        default=None,
        metadata={"help": "Fine-tuning epochs (default: from the backbone; the search's choice when it runs)."},
    )
    batch_size: typing.Optional[int] = field(
        default=None, metadata={"help": "Per-device batch size (default: from the backbone)."}
    )
    gradient_accumulation: int = field(default=1, metadata={"help": "Batches per optimiser step."})
    warmup_ratio: typing.Optional[float] = field(
        default=None, metadata={"help": "Share of steps with linear warm-up (default: from the backbone)."}
    )
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    val_fraction: float = field(default=0.1, metadata={"help": "Share of train held out for the fine-tuning curves."})
    early_stopping_patience: typing.Optional[int] = field(
        default=None, metadata={"help": "Stop after N epochs without improvement."}
    )
    metric_for_best: typing.Optional[str] = field(
        default=None,
        metadata={
            "help": "Validation metric whose best epoch the fine-tuned model keeps, or 'last' (default: from the backbone)."
        },
    )
    max_length: typing.Optional[int] = field(
        default=None, metadata={"help": "Window length in tokens (default: the model's maximum)."}
    )
    gradient_checkpointing: bool = field(default=False, metadata={"help": "Trade compute for memory."})
    lora: bool = field(default=False, metadata={"help": "Fine-tune LoRA adapters instead of all weights."})
    baselines: list[str] = field(
        default_factory=lambda: ["kmer-lr", "gc"], metadata={"help": "Baselines beside the LM."}
    )
    mode: str = field(
        default="finetune",
        metadata={
            "help": "finetune: fine-tune the backbone; probe: logistic regression on its frozen embeddings "
            "(C by cross-validation on train); both: the two side by side."
        },
    )
    probe_pooling: str = field(
        default="mean", metadata={"help": "Probe embeddings: mean over sequence tokens, or cls ([CLS] token)."}
    )
    probe_layers: list[int] = field(
        default_factory=lambda: [-1],
        metadata={"help": "Probe embeddings: hidden layer(s), averaged (-1: last, 0: embedding output)."},
    )
    zero_shot: bool = field(default=True, metadata={"help": "Evaluate the untrained head as the study did."})
    explain: bool = field(
        default=False, metadata={"help": "Also explain the fine-tuned model's test calls (ISM, motifs)."}
    )
    explain_max_seqs: int = field(default=200, metadata={"help": "Test sequences explained with --explain."})
    both_strands: bool = field(
        default=False, metadata={"help": "Score test sequences on both strands, probabilities averaged."}
    )
    quantize: str = field(
        default="none",
        metadata={"help": "Score the test set (model and baselines) with int8 linear layers: none or int8 (CPU)."},
    )
    n_boot: int = field(default=1000, metadata={"help": "Bootstrap resamples for the 95% intervals."})
    trust_remote_code: bool = field(default=False, metadata={"help": "Allow a hub model's own code to run."})
    allow_bin_weights: bool = field(
        default=True,
        metadata={
            "help": "Read pickle weights where no safetensors exist, through torch's weights-only unpickler (default; --no-allow-bin-weights: safetensors only)."
        },
    )
    resume: bool = field(default=False, metadata={"help": "Continue a killed run in the same --out."})

    def validate(self) -> "RunConfig":
        """Check values that types cannot; returns self."""
        if not self.train:
            raise ConfigError("train: give at least one --train SPEC")
        if not self.test:
            raise ConfigError("test: give at least one --test SPEC (the held-out set the report is about)")
        if not self.out:
            raise ConfigError("out: give --out DIR")
        # None: not given yet, resolved from the backbone (see resolve_run_config).
        for name in ("search_val_fraction", "val_fraction", "warmup_ratio"):
            if getattr(self, name) is not None and not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be in [0, 1)")
        for name in ("batch_size", "gradient_accumulation", "epochs", "search_epochs", "search_per_class", "n_boot"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be >= 1")
        for name, lr in [("lr", self.lr)] + [(f"search_lrs[{i}]", v) for i, v in enumerate(self.search_lrs or [])]:
            if lr is not None and lr <= 0:
                raise ConfigError(f"{name}={lr!r}: must be > 0")
        if self.min_length is not None and self.min_length < 1:
            raise ConfigError(f"min_length={self.min_length!r}: must be >= 1 (bp)")
        if self.search_lrs is not None and not self.search_lrs:
            raise ConfigError("search_lrs: give at least one learning rate, or leave it out to use the backbone's")
        _check_metric_for_best(self.metric_for_best)
        if self.mode not in MODES:
            raise ConfigError(f"mode={self.mode!r}: use one of {', '.join(MODES)}")
        check_quantize_mode(self.quantize)
        if self.probe_pooling not in ("mean", "cls"):
            raise ConfigError(f"probe_pooling={self.probe_pooling!r}: use 'mean' or 'cls'")
        return self

    @classmethod
    def from_sources(cls, file: str | Path | None, flags: dict) -> "RunConfig":
        """Defaults, then the YAML ``file``, then ``flags`` whose value is not None (see :func:`read_run_config`)."""
        return read_run_config(file, flags)[0]


# run --mode: what is trained on the backbone (the probe fits on frozen embeddings; see models/probe.py).
MODES = ("finetune", "probe", "both")
# RunConfig fields that default to the backbone's registry entry (the fields of FinetuneDefaults).
BACKBONE_FIELDS = (
    "lr",
    "epochs",
    "batch_size",
    "search_lrs",
    "search_epochs",
    "search_metric",
    "warmup_ratio",
    "metric_for_best",
)
# Where a value came from, as recorded in a run's config.yaml (``sources:``). "given": set in a RunConfig
# built by code; "unused": a fine-tuning setting of a backbone fitted in closed form (k-mer LR, GC).
SOURCES = ("default", "backbone", "file", "flag", "given", "unused")
CHOSEN_BY_USER = ("file", "flag", "given")


def read_run_config(file: str | Path | None, flags: dict) -> tuple[RunConfig, dict[str, str]]:
    """Defaults, then the YAML ``file``, then ``flags`` whose value is not None (nor ``[]``).

    Returns
    -------
    cfg : RunConfig
        Validated; backbone fields that neither source set are still None (:func:`resolve_run_config`).
    sources : dict of str to str
        Field -> ``"flag"``, ``"file"`` or ``"default"``.
    """
    in_file = load_yaml(file) if file else {}
    in_flags = {k: v for k, v in flags.items() if v is not None and v != []}
    cfg = from_dict({**in_file, **in_flags}).validate()
    sources = {
        f.name: "flag" if f.name in in_flags else "file" if f.name in in_file else "default" for f in fields(RunConfig)
    }
    return cfg, sources


def given_sources(cfg: RunConfig) -> dict[str, str]:
    """Sources of a RunConfig built by code: ``"default"`` where a field holds its default, else ``"given"``."""
    defaults = RunConfig()
    return {
        f.name: "default" if getattr(cfg, f.name) == getattr(defaults, f.name) else "given" for f in fields(RunConfig)
    }


def with_backbone_defaults(
    cfg: RunConfig, defaults, sources: Mapping[str, str] | None = None
) -> tuple[RunConfig, dict[str, str]]:
    """Fill the backbone fields that no source set from ``defaults``; record where every value came from.

    Parameters
    ----------
    cfg : RunConfig
    defaults : FinetuneDefaults or None
        The backbone's entry (``BackboneSpec.finetune``); None for closed-form models, whose unset
        fine-tuning fields stay None and are recorded as ``"unused"``.
    sources : mapping, optional
        Field -> source from :func:`read_run_config`; default :func:`given_sources`.

    Returns
    -------
    cfg : RunConfig
        A copy; ``cfg`` itself is left as it was.
    sources : dict of str to str
        Every field -> one of ``SOURCES``.
    """
    sources = dict(sources) if sources is not None else given_sources(cfg)
    filled: dict[str, typing.Any] = {}
    for name in BACKBONE_FIELDS:
        if getattr(cfg, name) is not None:
            continue
        sources[name] = "backbone" if defaults is not None else "unused"
        if defaults is not None:
            value = getattr(defaults, name)
            filled[name] = list(value) if isinstance(value, tuple) else value
    return dataclasses.replace(cfg, **filled).validate(), sources


def resolve_run_config(cfg: RunConfig, sources: Mapping[str, str] | None = None) -> tuple[RunConfig, dict[str, str]]:
    """``cfg`` with its backbone fields filled from ``cfg.backbone``'s registry entry; reads no weights.

    A model folder written by ``run`` or ``pretrain`` resolves to the entry it was created from; any
    other hub id or folder gets the generic entry (the study's BERT-base setting). See
    :func:`with_backbone_defaults` for the arguments and the result.
    """
    from enhancerlm.models.registry import resolve_backbone

    spec, _ = resolve_backbone(cfg.backbone)
    return with_backbone_defaults(cfg, spec.finetune, sources)


def _check_metric_for_best(name: str | None) -> None:
    from enhancerlm.train.config import BEST_METRICS

    if name is not None and name != "last" and name not in BEST_METRICS:
        raise ConfigError(f"metric_for_best={name!r}: must be 'last' or one of {list(BEST_METRICS)}")


def from_dict(values: dict) -> RunConfig:
    """A RunConfig from a mapping; unknown keys are a ConfigError naming them (see :class:`ConfigBase`)."""
    return RunConfig.from_dict(values)
