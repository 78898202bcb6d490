"""Settings declared once (`setting`: type, default, help, range, choices) and checked once (`ConfigBase`)."""

from __future__ import annotations

import dataclasses
import numbers
import operator
import types
import typing
from pathlib import Path
from typing import Any, Sequence

import yaml

from enhancerlm.errors import ConfigError

if typing.TYPE_CHECKING:  # ConfigBase is only ever mixed into dataclasses
    from _typeshed import DataclassInstance


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str = "",
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    choices: Sequence | None = None,
    unit: str = "",
) -> Any:
    """A settings field declared once: default, help, range and choices (checked by :class:`ConfigBase`).

    Parameters
    ----------
    default : optional
        The default; a list is copied for every instance (no shared mutable default).
    help : str
        The text of the command-line option built from the field (``enhancerlm.cli.options``);
        ``{default}`` is replaced by the default. A field without help is a config-file key only.
    ge, gt, le, lt : number, optional
        The range: >=, >, <=, < (for a list or tuple, of every item). None values skip the checks.
    choices : sequence, optional
        The values allowed, where they are not known when the code is written (a ``Literal`` type
        declares fixed ones).
    unit : str
        Named in a range error, e.g. ``"bp"``.
    """
    rules = {"ge": ge, "gt": gt, "le": le, "lt": lt, "choices": None if choices is None else tuple(choices)}
    metadata = {"help": help, "unit": unit, **{k: v for k, v in rules.items() if v is not None}}
    if not help:
        del metadata["help"]
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


_KEEP: Any = object()


def setting_from(
    owner: type, name: str, *, default: Any = _KEEP, help: str | None = None, note: str = "", **rules
) -> Any:
    """Field ``name`` of the settings class ``owner``, declared again in another: its range, choices and help.

    For a setting that two configs hold (``lr`` in ``FinetuneDefaults``, ``TrainConfig`` and
    ``RunConfig``): the declaration stays in ``owner``. ``default`` replaces the owner's default (e.g.
    None: "not given"); ``help`` its help, or ``note`` is added to it (``"default: from the backbone"``);
    ``rules`` (``ge=0`` ...) replace the owner's, where the other config takes other values.
    """
    f = {f.name: f for f in dataclasses.fields(owner)}[name]
    kept = ("ge", "gt", "le", "lt", "choices", "unit")
    replaced = {"gt", "ge"} if {"gt", "ge"} & set(rules) else set()
    replaced |= {"lt", "le"} if {"lt", "le"} & set(rules) else set()
    rules = {**{k: v for k, v in f.metadata.items() if k in kept and k not in replaced}, **rules}
    text = f.metadata.get("help", "") if help is None else help
    if note:
        text = f"{text.rstrip('.')} ({note})."
    value = _field_default(f) if default is _KEEP else default
    return setting(value, help=text, **rules)


def _field_default(f: dataclasses.Field) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


class ConfigBase:
    """Mixin for a settings dataclass: every field checked against its declaration; unknown keys are errors.

    On construction each value must have its field's type (an int passes as a float, a list as a
    tuple, a bool never as an int; a ``Literal`` type lists the values allowed), then lie in the
    range and among the choices of its :func:`setting`; a subclass adds checks across fields in
    :meth:`check`. Class attributes (not dataclass fields) a subclass sets:

    ``config_label`` : str
        Names the config in errors, the same shape for every command
        (``"train config: unknown key(s) ['epoch']; known keys: [...]"``, ``"train config: lr=-1 must be > 0"``).
    ``coerce_values`` : bool
        ``from_dict`` converts each value to its field's type first (YAML reads ``3e-5`` as a string and
        ``5`` where ``5.0`` is meant), as the run config does; False leaves ``"3e-5"`` for a float an error.
    """

    config_label = "config"
    coerce_values = False

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(typing.cast("DataclassInstance", self)):
            value = getattr(self, f.name)
            if isinstance(value, list) and typing.get_origin(_base_type(hints[f.name])) is tuple:
                value = tuple(value)
                object.__setattr__(self, f.name, value)  # frozen dataclasses too: a list given for a tuple
            check_value(self.config_label, f, hints[f.name], value)
        self.check()

    def check(self) -> None:
        """Checks across fields, after each field was checked on its own (none here)."""

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

    @classmethod
    def from_shared(cls, other, **changes):
        """Built from the fields of ``other`` (another settings object) that this class has too, then ``changes``."""
        names = {f.name for f in dataclasses.fields(typing.cast("type[DataclassInstance]", cls))}
        shared = {f.name: getattr(other, f.name) for f in dataclasses.fields(other) if f.name in names}
        return cls(**{**shared, **changes})

    def to_dict(self) -> dict:
        """Plain mapping that ``from_dict`` reads back (tuples as lists, so it is YAML- and JSON-able)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in dataclasses.asdict(typing.cast("DataclassInstance", self)).items()
        }


def check_value(label: str, f: dataclasses.Field, hint, value) -> None:
    """A ConfigError naming the setting unless ``value`` has the type ``hint``, the range and the choices of ``f``."""
    if not has_type(value, hint):
        raise ConfigError(f"{label}: {f.name}={value!r} must be {type_words(hint)}")
    if value is None:
        return
    items = list(enumerate(value)) if isinstance(value, (list, tuple)) else [(None, value)]
    for i, item in items:
        broken = _broken_rule(f.metadata, item)
        if broken:
            where = f.name if i is None else f"{f.name}[{i}]"
            raise ConfigError(f"{label}: {where}={item!r} must be {broken}")


def _broken_rule(rules: typing.Mapping, value) -> str:
    """The rule of ``rules`` (range, choices) that ``value`` breaks, in words; "" when it keeps them all."""
    if "choices" in rules and not _is_one_of(value, rules["choices"]):
        return f"one of {list(rules['choices'])}"
    bounds = [(sign, rules[key], test) for key, (sign, test) in _RANGE_TESTS.items() if key in rules]
    if all(test(value, bound) for _, bound, test in bounds):
        return ""
    unit = f" ({rules['unit']})" if rules.get("unit") else ""
    return " and ".join(f"{sign} {bound}" for sign, bound, _ in bounds) + unit


_RANGE_TESTS = {
    "ge": (">=", operator.ge),
    "gt": (">", operator.gt),
    "le": ("<=", operator.le),
    "lt": ("<", operator.lt),
}


def _is_one_of(value, choices) -> bool:
    # True == 1 in Python: a choice matches only a value of its own type.
    return any(value == c and type(value) is type(c) for c in choices)


def has_type(value, hint) -> bool:
    """Whether ``value`` is of type ``hint`` (``T``, ``T | None``, ``Literal[...]``, ``list[T]``, ``tuple[T, ...]``)."""
    if hint is typing.Any:
        return True
    if _is_union(hint):
        return any(has_type(value, arm) for arm in typing.get_args(hint))
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return _is_one_of(value, typing.get_args(hint))
    if origin in (list, tuple):
        inner = typing.get_args(hint)[0] if typing.get_args(hint) else typing.Any
        return isinstance(value, (list, tuple)) and all(has_type(v, inner) for v in value)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    return isinstance(value, hint)


def type_words(hint) -> str:
    """``hint`` as an error message says it: ``int or None``, ``one of ['a', 'b']``, ``a list of float``."""
    if _is_union(hint):
        return " or ".join(type_words(arm) for arm in typing.get_args(hint))
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return f"one of {list(typing.get_args(hint))}"
    if origin in (list, tuple):
        return f"a list of {type_words(typing.get_args(hint)[0])}"
    return "None" if hint is type(None) else getattr(hint, "__name__", str(hint))


def literal_choices(hint) -> tuple:
    """The values a ``Literal`` type (or a list, tuple or optional of one) allows; () for other types."""
    base = _base_type(hint)
    if typing.get_origin(base) in (list, tuple):
        base = typing.get_args(base)[0]
    return typing.get_args(base) if typing.get_origin(base) is typing.Literal else ()


def coerce(name: str, value, hint):
    """``value`` converted to the type ``hint`` (``T``, ``T | None``, ``list[T]``); a ConfigError naming ``name``."""
    base = _base_type(hint)
    if value is None or typing.get_origin(base) is typing.Literal:
        return value  # a Literal's values are checked as they are
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


def _base_type(hint):
    """``T`` of ``T``, ``Optional[T]`` or ``T | None``."""
    if not _is_union(hint):
        return hint
    return [t for t in typing.get_args(hint) if t is not type(None)][0]


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


# Pooling of a window's token hidden states into one vector (enhancerlm.models.pooling computes it).
PoolingMode = typing.Literal["mean", "cls"]
POOLING_MODES: tuple[str, ...] = typing.get_args(PoolingMode)

# `--quantize` values, applied by enhancerlm.models.quantize; declared here so that config dataclasses stay light.
QuantizeMode = typing.Literal["none", "int8"]
QUANTIZE_MODES: tuple[str, ...] = typing.get_args(QuantizeMode)
QUANTIZE_HELP = "Run the model's linear layers in int8 (CPU only; none or int8; default {default})."


def check_quantize_mode(mode: str, flag: str = "--quantize") -> None:
    """ConfigError unless ``mode`` is one of ``QUANTIZE_MODES`` (for callers that take it outside a config)."""
    if mode not in QUANTIZE_MODES:
        raise ConfigError(f"{flag} {mode!r}: choose one of {', '.join(QUANTIZE_MODES)}")


# `--task` values (enhancerlm.sequences.task.TASK_CHOICES, which imports numpy); declared here so that
# config dataclasses stay light.
TaskChoice = typing.Literal["auto", "binary", "multiclass", "multilabel", "regression"]
TASK_HELP = (
    "What is predicted: auto (multi-label or regression when label/target columns are named or called "
    "label:NAME/target:NAME, else binary or multi-class from the label column), binary, multiclass, "
    "multilabel (0/1 columns, --label-columns) or regression (numeric columns, --target-columns)."
)


def name_list(values) -> list[str]:
    """``["A,B", "C"]`` -> ``["A", "B", "C"]``: a list flag given comma-separated, repeated, or both."""
    return [name.strip() for value in values for name in str(value).split(",") if name.strip()]
