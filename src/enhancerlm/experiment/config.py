"""`RunConfig`: every setting of `enhancerlm run`, typed; defaults < config file < command-line flags."""

from __future__ import annotations

import dataclasses
import platform
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from enhancerlm.errors import ConfigError


@dataclass
class RunConfig:
    """Settings of one experiment; each field is also a flag of ``enhancerlm run`` (``--search-lrs`` ...).

    The defaults follow the reference study where it was right (its learning-rate grid, 80/20 search
    split on a balanced 500 + 500 subset, batch 8) and fix what it did wrong (overlapping k-mers,
    windows instead of truncation, whole-set metrics, batched inference, leakage reporting).
    """

    train: list[str] = field(default_factory=list, metadata={"help": "Training SPEC(s): PATH or PATH:LABEL."})
    test: list[str] = field(default_factory=list, metadata={"help": "Test SPEC(s): PATH or PATH:LABEL."})
    backbone: str = field(default="tiny-dnabert-6", metadata={"help": "Registry name, model folder or hub id."})
    out: str = field(default="", metadata={"help": "Output folder."})
    seed: int = field(default=0, metadata={"help": "Seed for sampling, splits, head initialisation and training."})
    sequence_column: str = field(default="sequence", metadata={"help": "Sequence column of CSV/TSV inputs."})
    label_column: str = field(default="label", metadata={"help": "Label column of CSV/TSV inputs."})
    positive_label: typing.Optional[str] = field(default=None, metadata={"help": "Positive class of a binary task."})
    dedup: bool = field(default=True, metadata={"help": "Remove test duplicates (exact, reverse complement) from train."})
    search: bool = field(default=True, metadata={"help": "Run the learning-rate/epoch search first."})
    search_lrs: list[float] = field(default_factory=lambda: [5e-5, 4e-5, 3e-5, 2e-5],
                                    metadata={"help": "Learning rates of the grid search."})
    search_epochs: int = field(default=5, metadata={"help": "Epochs per search trial (every epoch is evaluated)."})
    search_per_class: int = field(default=500, metadata={"help": "Balanced search subset: sequences per class."})
    search_val_fraction: float = field(default=0.2, metadata={"help": "Validation share of the search subset."})
    search_metric: str = field(default="mcc", metadata={"help": "Validation metric that picks the best (lr, epochs)."})
    search_trials: int = field(default=0, metadata={"help": "Optuna trials over a larger space instead of the grid (0: grid)."})
    lr: typing.Optional[float] = field(default=None, metadata={"help": "Fine-tuning learning rate (default: from search, else 3e-5)."})
    epochs: typing.Optional[int] = field(default=None, metadata={"help": "Fine-tuning epochs (default: from search, else 2)."})
    batch_size: int = field(default=8, metadata={"help": "Per-device batch size."})
    gradient_accumulation: int = field(default=1, metadata={"help": "Batches per optimiser step."})
    warmup_ratio: float = field(default=0.1, metadata={"help": "Share of steps with linear warm-up."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    val_fraction: float = field(default=0.1, metadata={"help": "Share of train held out for the fine-tuning curves."})
    early_stopping_patience: typing.Optional[int] = field(default=None, metadata={"help": "Stop after N epochs without improvement."})
    max_length: typing.Optional[int] = field(default=None, metadata={"help": "Window length in tokens (default: the model's maximum)."})
    gradient_checkpointing: bool = field(default=False, metadata={"help": "Trade compute for memory."})
    lora: bool = field(default=False, metadata={"help": "Fine-tune LoRA adapters instead of all weights."})
    baselines: list[str] = field(default_factory=lambda: ["kmer-lr", "gc"], metadata={"help": "Baselines beside the LM."})
    zero_shot: bool = field(default=True, metadata={"help": "Evaluate the untrained head as the study did."})
    explain: bool = field(default=False, metadata={"help": "Also explain the fine-tuned model's test calls (ISM, motifs)."})
    explain_max_seqs: int = field(default=200, metadata={"help": "Test sequences explained with --explain."})
    both_strands: bool = field(default=False, metadata={"help": "Score test sequences on both strands, probabilities averaged."})
    n_boot: int = field(default=1000, metadata={"help": "Bootstrap resamples for the 95% intervals."})
    trust_remote_code: bool = field(default=False, metadata={"help": "Allow a hub model's own code to run."})
    allow_bin_weights: bool = field(default=False, metadata={"help": "Accept pickle weights where no safetensors exist."})
    resume: bool = field(default=False, metadata={"help": "Continue a killed run in the same --out."})

    def validate(self) -> "RunConfig":
        """Check values that types cannot; returns self."""
        if not self.train:
            raise ConfigError("train: give at least one --train SPEC")
        if not self.test:
            raise ConfigError("test: give at least one --test SPEC (the held-out set the report is about)")
        if not self.out:
            raise ConfigError("out: give --out DIR")
        for name in ("search_val_fraction", "val_fraction", "warmup_ratio"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be in [0, 1)")
        for name in ("batch_size", "gradient_accumulation", "search_epochs", "search_per_class", "n_boot"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r}: must be >= 1")
        if self.lr is not None and self.lr <= 0:
            raise ConfigError(f"lr={self.lr!r}: must be > 0")
        return self

    @classmethod
    def from_sources(cls, file: str | Path | None, flags: dict) -> "RunConfig":
        """Defaults, then the YAML ``file``, then ``flags`` whose value is not None."""
        values = load_yaml(file) if file else {}
        values.update({k: v for k, v in flags.items() if v is not None and v != []})
        return from_dict(values).validate()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def from_dict(values: dict) -> RunConfig:
    """A RunConfig from a mapping; unknown keys are a ConfigError naming them."""
    known = {f.name for f in fields(RunConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown config key(s) {unknown}; known keys: {sorted(known)}")
    return RunConfig(**{k: _coerce(k, v) for k, v in values.items()})


def _coerce(name: str, value):
    """YAML gives '3e-5' as a string and 5 where 5.0 is meant: coerce to the field's type or fail clearly."""
    hint = typing.get_type_hints(RunConfig)[name]
    base = typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Union else hint
    if value is None:
        return None
    try:
        if typing.get_origin(base) is list:
            inner = typing.get_args(base)[0]
            items = value if isinstance(value, (list, tuple)) else [value]
            return [inner(v) for v in items]
        if base is bool and not isinstance(value, bool):
            raise TypeError
        return base(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {name!r}: {value!r} is not a valid {getattr(base, '__name__', base)}") from None


def load_yaml(path: str | Path) -> dict:
    """A config file's mapping; anything else is a ConfigError naming the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read config ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file must be a mapping of key: value")
    return data


def versions() -> dict:
    """Versions that decide a run's numbers, written beside its outputs."""
    import numpy
    import sklearn
    import torch
    import transformers

    import enhancerlm

    return {"enhancerlm": enhancerlm.__version__, "python": platform.python_version(), "torch": str(torch.__version__),
            "transformers": transformers.__version__, "numpy": numpy.__version__, "scikit-learn": sklearn.__version__,
            "cuda": torch.cuda.is_available()}
