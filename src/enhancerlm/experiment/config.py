"""`RunConfig`: every setting of `enhancerlm run`, typed; defaults < backbone < config file < command-line flags."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

from enhancerlm.config import (
    TASK_HELP,
    ConfigBase,
    PoolingMode,
    QuantizeMode,
    TaskChoice,
    load_yaml,
    name_list,
    setting,
    setting_from,
)
from enhancerlm.errors import ConfigError
from enhancerlm.finetuning import FinetuneDefaults
from enhancerlm.train.config import TrainConfig

# run --mode: what is trained on the backbone (the probe fits on frozen embeddings; see models/probe.py).
Mode = typing.Literal["finetune", "probe", "both"]


def _from_backbone(name: str, also: str = "") -> typing.Any:
    """A FinetuneDefaults setting as a run flag: None ("not given") until the backbone's entry fills it."""
    return setting_from(
        FinetuneDefaults, name, default=None, note="; ".join(filter(None, ["default: from the backbone", also]))
    )


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

    config_label = "run config"  # from_dict / to_dict and the checks of each field: ConfigBase
    coerce_values = True  # a YAML file's '3e-5' is a learning rate here

    train: list[str] = setting([], help="Training SPEC(s): PATH or PATH:LABEL.")
    test: list[str] = setting([], help="Test SPEC(s): PATH or PATH:LABEL.")
    backbone: str = setting("tiny-dnabert-6", help="Registry name, model folder or hub id.")
    out: str = setting("", help="Output folder.")
    seed: int = setting(0, help="Seed for sampling, splits, head initialisation and training.")
    sequence_column: str = setting("sequence", help="Sequence column of CSV/TSV inputs.")
    strict_ids: bool = setting(
        False,
        help="Make an id repeated within a split an error instead of renaming later repeats NAME~2, NAME~3, ...",
    )
    min_length: typing.Optional[int] = setting(
        None,
        ge=1,
        unit="bp",
        help="Drop records shorter than N bp (counted in a warning); default: keep every non-empty record.",
    )
    label_column: str = setting("label", help="Label column of CSV/TSV inputs.")
    task: TaskChoice = setting("auto", help=TASK_HELP)
    label_columns: list[str] = setting(
        [],
        help="Multi-label task: the 0/1 columns of CSV/TSV inputs, one per label, comma-separated or repeated "
        "(A,B,C); columns named label:NAME are read without it.",
    )
    target_columns: list[str] = setting(
        [],
        help="Regression task: the numeric column(s) of CSV/TSV inputs, comma-separated or repeated (X[,Y]); "
        "columns named target:NAME are read without it.",
    )
    mask_missing: bool = setting_from(TrainConfig, "mask_missing")
    genome: typing.Optional[str] = setting(
        None, help="Genome FASTA that region-file SPECs (peaks.bed:LABEL, narrowPeak, GB .csv.gz) are cut from."
    )
    map_chroms: bool = setting(
        False, help="Map chromosome names chr1 <-> 1, chrM <-> MT between region files and --genome."
    )
    positive_label: typing.Optional[str] = setting(None, help="Positive class of a binary task.")
    dedup: bool = setting(True, help="Remove test duplicates (exact, reverse complement) from train.")
    search: bool = setting(True, help="Run the learning-rate/epoch search first.")
    search_lrs: typing.Optional[list[float]] = _from_backbone("search_lrs")
    search_epochs: typing.Optional[int] = _from_backbone("search_epochs")
    search_per_class: int = setting(500, ge=1, help="Balanced search subset: sequences per class.")
    search_val_fraction: float = setting(0.2, ge=0, lt=1, help="Validation share of the search subset.")
    search_metric: typing.Optional[str] = _from_backbone("search_metric")
    search_trials: int = setting(0, ge=0, help="Optuna trials over a larger space instead of the grid (0: grid).")
    lr: typing.Optional[float] = _from_backbone("lr", "the search's choice when it runs")
    epochs: typing.Optional[int] = _from_backbone("epochs", "the search's choice when it runs")
    batch_size: typing.Optional[int] = _from_backbone("batch_size")
    gradient_accumulation: int = setting_from(TrainConfig, "gradient_accumulation")
    warmup_ratio: typing.Optional[float] = _from_backbone("warmup_ratio")
    weight_decay: float = setting_from(TrainConfig, "weight_decay")
    val_fraction: float = setting(0.1, ge=0, lt=1, help="Share of train held out for the fine-tuning curves.")
    early_stopping_patience: typing.Optional[int] = setting_from(TrainConfig, "early_stopping_patience")
    metric_for_best: typing.Optional[str] = _from_backbone("metric_for_best")
    max_length: typing.Optional[int] = setting(
        None, ge=1, unit="tokens", help="Window length in tokens (default: the model's maximum)."
    )
    gradient_checkpointing: bool = setting_from(TrainConfig, "gradient_checkpointing")
    lora: bool = setting_from(TrainConfig, "lora")
    baselines: list[str] = setting(["kmer-lr", "gc"], help="Baselines beside the LM.")
    mode: Mode = setting(
        "finetune",
        help="finetune: fine-tune the backbone; probe: logistic regression on its frozen embeddings "
        "(C by cross-validation on train); both: the two side by side.",
    )
    probe_pooling: PoolingMode = setting(
        "mean", help="Probe embeddings: mean over sequence tokens, or cls ([CLS] token)."
    )
    probe_layers: list[int] = setting(
        [-1], help="Probe embeddings: hidden layer(s), averaged (-1: last, 0: embedding output)."
    )
    zero_shot: bool = setting(True, help="Evaluate the untrained head as the study did.")
    explain: bool = setting(False, help="Also explain the fine-tuned model's test calls (ISM, motifs).")
    explain_max_seqs: int = setting(200, ge=1, help="Test sequences explained with --explain.")
    both_strands: bool = setting(False, help="Score test sequences on both strands, probabilities averaged.")
    quantize: QuantizeMode = setting(
        "none", help="Score the test set (model and baselines) with int8 linear layers: none or int8 (CPU)."
    )
    n_boot: int = setting(1000, ge=1, help="Bootstrap resamples for the 95% intervals.")
    trust_remote_code: bool = setting(False, help="Allow a hub model's own code to run.")
    allow_bin_weights: bool = setting(
        True,
        help="Read pickle weights where no safetensors exist, through torch's weights-only unpickler "
        "(default; --no-allow-bin-weights: safetensors only).",
    )
    resume: bool = setting(False, help="Continue a killed run in the same --out.")

    def __post_init__(self) -> None:
        # --label-columns A,B,C and --label-columns A --label-columns B ... name the same columns
        self.label_columns, self.target_columns = name_list(self.label_columns), name_list(self.target_columns)
        super().__post_init__()

    def check(self) -> None:
        if self.label_columns and self.target_columns:
            raise ConfigError(
                f"label_columns {self.label_columns} and target_columns {self.target_columns}: a run has one task, "
                "multi-label (0/1 label columns) or regression (numeric target columns)"
            )

    def validate(self) -> "RunConfig":
        """Check what a run needs beyond each field's own rules (inputs and an output folder); returns self."""
        if not self.train:
            raise ConfigError("train: give at least one --train SPEC")
        if not self.test:
            raise ConfigError("test: give at least one --test SPEC (the held-out set the report is about)")
        if not self.out:
            raise ConfigError("out: give --out DIR")
        if self.search_lrs is not None and not self.search_lrs:
            raise ConfigError("search_lrs: give at least one learning rate, or leave it out to use the backbone's")
        return self

    @classmethod
    def from_sources(cls, file: str | Path | None, flags: dict) -> "RunConfig":
        """Defaults, then the YAML ``file``, then ``flags`` whose value is not None (see :func:`read_run_config`)."""
        return read_run_config(file, flags)[0]


@dataclass(frozen=True)
class DemoConfig(ConfigBase):
    """Sizes of ``enhancerlm demo`` (synthetic data -> pre-training -> ``run``), chosen so that the small
    language model visibly learns the task in about 10 minutes on 2 CPU cores.

    The task plants each motif's consensus (``site_sampling="consensus"``): with sites sampled from the
    matrices (``enhancerlm data synthetic``'s default) 640 training sequences are too few for a
    random-init transformer on 4,096 six-mers, which stays on its loss plateau (probabilities within
    0.499 to 0.503, flagged under-trained) or memorises the training set. Batch 16, half the
    ``tiny-dnabert-6`` entry's 32, doubles the optimiser steps for about the same compute: the model
    leaves the plateau in the second epoch instead of the third or later. The rest is the registry
    entry's (learning rates {1e-3, 3e-4}, the search ranked by validation AUROC, the epoch kept by
    MCC); the demo shortens the search to ``search_epochs`` on ``search_per_class`` sequences per
    class and fixes the final fine-tune at ``epochs``. Pre-training runs as a step of the story, at
    batch 8 to pay for the smaller fine-tuning batch: a minute of CPU does not teach a language model
    much (its held-out loss stays near ln 4101), whatever the batch.
    Fields with help are the command's flags; ``seed``, ``search_epochs``, ``search_per_class``,
    ``epochs`` and ``batch_size`` are passed to ``RunConfig`` by name.
    """

    n_per_class: int = setting(400, ge=10, help="Synthetic sequences per class.")
    length_bp: int = setting(200, ge=1, unit="bp")
    site_sampling: typing.Literal["consensus", "pwm"] = setting("consensus")
    test_fraction: float = setting(0.2, gt=0, lt=1)
    pretrain_steps: int = setting(60, ge=1, help="Masked-LM pre-training steps.")
    pretrain_batch_size: int = setting(8, ge=1)
    pretrain_crop_bp: int = setting(200, ge=1, unit="bp")
    search_epochs: int = setting(2, ge=1, help="Epochs per search trial.")
    search_per_class: int = setting(150, ge=1)
    epochs: int | None = setting(4, ge=1)
    batch_size: int = setting(16, ge=1)
    seed: int = setting(0, help="Seed of data, pre-training and the run.")

    config_label = "demo config"


# RunConfig fields that default to the backbone's registry entry: the fields of FinetuneDefaults.
BACKBONE_FIELDS = tuple(f.name for f in fields(FinetuneDefaults))
# Where a value came from, as recorded in a run's config.yaml (``sources:``). "given": set in a RunConfig
# built by code; "unused": a fine-tuning setting of a backbone fitted in closed form (k-mer LR, GC).
# "task": a search or epoch metric the backbone's entry named for a binary task, replaced by the task's own
# (experiment.fitting.with_task_metrics).
SOURCES = ("default", "backbone", "file", "flag", "given", "unused", "task")
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
    other hub id or folder gets the generic entry (the study's BERT-base setting). Settings the backbone
    cannot take (``max_length`` or ``--mode probe`` for one fitted in closed form) are a ConfigError. See
    :func:`with_backbone_defaults` for the arguments and the result.
    """
    from enhancerlm.models.registry import family_class, resolve_backbone

    spec, _ = resolve_backbone(cfg.backbone)
    _check_backbone_takes(cfg, family_class(spec.family).fits_in_closed_form)
    return with_backbone_defaults(cfg, spec.finetune, sources)


def _check_backbone_takes(cfg: RunConfig, closed_form: bool) -> None:
    """A backbone fitted in closed form reads whole sequences (no token window) and has no hidden states to probe."""
    if closed_form and cfg.max_length is not None:
        raise ConfigError(
            f"max_length={cfg.max_length}: backbone {cfg.backbone!r} reads whole sequences, not "
            "token windows; leave --max-length out"
        )
    if closed_form and cfg.mode != "finetune":
        raise ConfigError(
            f"mode={cfg.mode}: backbone {cfg.backbone!r} has no transformer embeddings to probe; "
            "use --mode finetune, or a language-model backbone"
        )


def from_dict(values: dict) -> RunConfig:
    """A RunConfig from a mapping; unknown keys are a ConfigError naming them (see :class:`ConfigBase`)."""
    return RunConfig.from_dict(values)
