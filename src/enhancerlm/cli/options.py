"""Command-line options built from settings dataclasses, so a setting's type, default and help live once, in its field."""

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


def options_from(
    cls,
    *,
    unset: bool = False,
    flags: typing.Mapping[str, str] | None = None,
    metavars: typing.Mapping[str, str] | None = None,
):
    """Decorator: a command's ``**settings`` become one option per field of ``cls`` that has help.

    The command keeps its own parameters (files, folders ...) and receives every setting by field name
    in ``**settings``, to build ``cls`` from them in one call: no option repeats a field's type,
    default or help, and no command rebuilds a config field by field.

    Parameters
    ----------
    cls : dataclass type
        Settings class whose fields are declared with :func:`enhancerlm.config.setting`.
    unset : bool
        Every option defaults to None ("not given"), so that a config file can set it (``run``,
        ``explain``); else the options show and take the fields' defaults.
    flags : mapping, optional
        Field -> flag, where it is not ``--field-name`` (``{"class_name": "--class"}``).
    metavars : mapping, optional
        Field -> metavar shown in ``--help``.
    """

    def wrap(command):
        own = [p for p in inspect.signature(command).parameters.values() if p.kind is not p.VAR_KEYWORD]
        added = config_parameters(cls, unset=unset, flags=flags, metavars=metavars)
        command.__signature__ = inspect.Signature(own + added)
        command.__annotations__ = {**command.__annotations__, **{p.name: p.annotation for p in added}}
        return command

    return wrap


def config_parameters(
    cls,
    *,
    unset: bool = False,
    flags: typing.Mapping[str, str] | None = None,
    metavars: typing.Mapping[str, str] | None = None,
) -> list[inspect.Parameter]:
    """One keyword parameter per field of ``cls`` that has help, each a typer option (see :func:`options_from`).

    Lists and tuples become repeatable options; a ``Literal`` shows its values as the metavar
    (``none|int8``) and is checked, with every range, by ``cls`` itself.
    """
    flags, metavars = flags or {}, metavars or {}
    hints = typing.get_type_hints(cls)
    params = []
    for f in dataclasses.fields(cls):
        if "help" not in f.metadata:
            continue
        base = _base_type(hints[f.name])
        repeated = typing.get_origin(base) in (list, tuple)
        inner = typing.get_args(base)[0] if repeated else base
        choices = typing.get_args(inner) if typing.get_origin(inner) is typing.Literal else ()
        shown = type(choices[0]) if choices else inner
        # built at run time for typer, so mypy cannot check a type from a variable
        optional = unset or field_default(f) is None
        annotation = typing.List[shown] if repeated else Optional[shown] if optional else shown  # type: ignore[valid-type]
        metavar = metavars.get(f.name) or ("|".join(map(str, choices)) if choices else None)
        if metavar is None and repeated:
            metavar = f"<{shown.__name__}>"  # typer would show <list[float]> for each single value
        names = (flags[f.name],) if f.name in flags else ()
        option = config_option(
            cls, f.name, *names, default=None if unset else FIELD_DEFAULT, show_default=not unset, metavar=metavar
        )
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
