"""Command-line options built from settings dataclasses, so a setting's default and help live once, in its field."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from pathlib import Path
from typing import Optional

import typer

from enhancerlm.io import check_writable

# config_option's "take the field's default" marker (None is a real default: "not given").
FIELD_DEFAULT = object()
_METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT"}


def config_field(cls, name: str) -> dataclasses.Field:
    """The dataclass field ``name`` of ``cls``; a programming error (KeyError) if it has none."""
    return {f.name: f for f in dataclasses.fields(cls)}[name]


def field_default(f: dataclasses.Field):
    """A field's default value (its factory called), or ``...`` (required) when it has none."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return ...


def field_help(f: dataclasses.Field) -> str:
    """The ``help`` of a field's metadata with ``{default}`` replaced by its default (True/False as on/off)."""
    default = field_default(f)
    if isinstance(default, bool):
        shown = "on" if default else "off"
    elif isinstance(default, (list, tuple)):
        shown = ", ".join(map(str, default))
    else:
        shown = str(default)
    return f.metadata.get("help", "").replace("{default}", shown)


def flag_names(f: dataclasses.Field, base: type) -> tuple[str, ...]:
    """``--field-name``, or ``--field-name/--no-field-name`` for a boolean."""
    flag = "--" + f.name.replace("_", "-")
    return (f"{flag}/--no-{flag[2:]}",) if base is bool else (flag,)


def config_option(cls, name: str, *names: str, default=FIELD_DEFAULT, **kwargs):
    """A ``typer.Option`` for field ``name`` of ``cls``: its help and (unless ``default`` is given) its default.

    Parameters
    ----------
    cls : dataclass type
        Settings class whose field metadata holds ``{"help": ...}``.
    name : str
        Field name.
    *names : str
        Flag names and short aliases; default :func:`flag_names`.
    default : optional
        The option's own default, e.g. None where "not given" must let a config file speak.
    **kwargs
        Passed on to ``typer.Option`` (``min=``, ``show_default=``, ``metavar=`` ...).
    """
    f = config_field(cls, name)
    names = names or flag_names(f, _base_type(typing.get_type_hints(cls)[name]))
    value = field_default(f) if default is FIELD_DEFAULT else default
    return typer.Option(value, *names, help=field_help(f), **kwargs)


def unset_parameters(cls, metavars: typing.Mapping[str, str] | None = None) -> list[inspect.Parameter]:
    """One keyword parameter per field of ``cls``, each an option whose default None means "not given".

    For a command whose signature is the whole config (``run``): the flags that were given then
    override the config file, which overrides the defaults. Lists become repeatable options.
    """
    metavars = metavars or {}
    params = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        base = _base_type(hints[f.name])
        inner = typing.get_args(base)[0] if typing.get_origin(base) is list else base
        # built at run time for typer, so mypy cannot check a type from a variable
        annotation = typing.List[inner] if typing.get_origin(base) is list else Optional[base]  # type: ignore[valid-type]
        metavar = None if base is bool else metavars.get(f.name, _METAVARS[inner.__name__])
        option = config_option(cls, f.name, default=None, show_default=False, metavar=metavar)
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation))
    return params


def _base_type(hint):
    """``T`` of ``T``, ``Optional[T]`` or ``T | None``."""
    args = [t for t in typing.get_args(hint) if t is not type(None)]
    is_union = typing.get_origin(hint) is typing.Union or isinstance(hint, types.UnionType)
    return args[0] if is_union else hint


GENOME_HELP = (
    "Genome FASTA (plain or bgzip) that region-file inputs are cut from: --input peaks.bed[:LABEL] "
    "(BED, narrowPeak, broadPeak, GB .csv.gz), each region as it is, '-' strands reverse-complemented."
)
MAP_CHROMS_HELP = "Map chromosome names chr1 <-> 1, chrM <-> MT between region-file inputs and --genome."


def genome_option():
    """``--genome FASTA`` of the commands that read SPECs: where region-file inputs take their sequences."""
    return typer.Option(None, "--genome", "-g", help=GENOME_HELP)


def map_chroms_option():
    """``--map-chroms`` beside :func:`genome_option`."""
    return typer.Option(False, "--map-chroms", help=MAP_CHROMS_HELP)


def writable_file(param: typer.CallbackParam, value: Optional[Path]) -> Optional[Path]:
    """Option callback: an output file that could not be written is an error before the command's work starts."""
    return None if value is None else check_writable(value, folder=False, option=_flag(param))


def writable_folder(param: typer.CallbackParam, value: Optional[Path]) -> Optional[Path]:
    """Option callback: :func:`writable_file` for an output folder."""
    return None if value is None else check_writable(value, folder=True, option=_flag(param))


def _flag(param: typer.CallbackParam) -> str:
    """The long name of an option (``--out``), for messages."""
    return max(param.opts, key=len)
