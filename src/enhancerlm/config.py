"""`ConfigBase`: the one ``from_dict`` / ``to_dict`` / YAML reading every settings dataclass shares."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

import yaml

from enhancerlm.errors import ConfigError

if typing.TYPE_CHECKING:  # ConfigBase is only ever mixed into dataclasses
    from _typeshed import DataclassInstance


class ConfigBase:
    """Mixin for a settings dataclass: unknown keys are errors, values optionally coerced to the field types.

    Class attributes (not dataclass fields) a subclass sets:

    ``config_label`` : str
        Names the config in errors, the same shape for every command
        (``"train config: unknown key(s) ['epoch']; known keys: [...]"``).
    ``coerce_values`` : bool
        Convert each value to its field's type first (YAML reads ``3e-5`` as a string and ``5`` where
        ``5.0`` is meant), as the run config does; False leaves the type checks to ``__post_init__``,
        which then rejects ``"3e-5"`` for a float.
    """

    config_label = "config"
    coerce_values = False

    @classmethod
    def from_dict(cls, data: typing.Mapping):
        """Build from a mapping (a config file or its section); unknown keys are a ConfigError naming them."""
        known = sorted(f.name for f in dataclasses.fields(typing.cast("type[DataclassInstance]", cls)))
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"{cls.config_label}: unknown key(s) {unknown}; known keys: {known}")
        if cls.coerce_values:
            hints = typing.get_type_hints(cls)
            data = {name: coerce(name, value, hints[name]) for name, value in data.items()}
        return cls(**data)

    def to_dict(self) -> dict:
        """Plain mapping that ``from_dict`` reads back (tuples as lists, so it is YAML- and JSON-able)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(typing.cast("DataclassInstance", self)).items()
        }


def coerce(name: str, value, hint):
    """``value`` converted to the type ``hint`` (``T``, ``T | None``, ``list[T]``); a ConfigError naming ``name``."""
    options = [t for t in typing.get_args(hint) if t is not type(None)] if _is_union(hint) else [hint]
    base = options[0]
    if value is None:
        return None
    try:
        if typing.get_origin(base) is list:
            inner = typing.get_args(base)[0]
            items = value if isinstance(value, (list, tuple)) else [value]
            return [inner(v) for v in items]
        # bool("no") is True: only real booleans are booleans.
        if base is bool and not isinstance(value, bool):
            raise TypeError
        return base(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {name!r}: {value!r} is not a valid {getattr(base, '__name__', base)}") from None


def _is_union(hint) -> bool:
    return typing.get_origin(hint) is typing.Union or isinstance(hint, types.UnionType)


def load_yaml(path: str | Path) -> dict:
    """A config file's mapping (an empty file is ``{}``); anything else is a ConfigError naming the file."""
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


# `--quantize` values, applied by enhancerlm.models.quantize; declared here so that config dataclasses stay light.
QUANTIZE_MODES = ("none", "int8")
QUANTIZE_HELP = "Run the model's linear layers in int8 (CPU only; none or int8; default {default})."


def check_quantize_mode(mode: str, flag: str = "--quantize") -> None:
    """ConfigError unless ``mode`` is one of ``QUANTIZE_MODES``."""
    if mode not in QUANTIZE_MODES:
        raise ConfigError(f"{flag} {mode!r}: choose one of {', '.join(QUANTIZE_MODES)}")
