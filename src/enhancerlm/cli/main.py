"""The ``enhancerlm`` command: command groups are registered here, each lives in its own module."""

from __future__ import annotations

import logging

import typer
from typer.core import TyperGroup, TyperOption

from enhancerlm import __version__
from enhancerlm.errors import EnhancerlmError

_COMMAND = "enhancerlm.command"  # ctx.meta key (meta is shared by every context of one invocation)


class _Group(TyperGroup):
    """Turns user-fixable errors into one clear line and exit status 2, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except EnhancerlmError as err:
            command = ctx.meta.get(_COMMAND)
            typer.echo(f"error: {err.with_fix(_flag(command, err.setting))}", err=True)
            raise typer.Exit(2) from None

    def resolve_command(self, ctx, args):  # type: ignore[override]  # typer's own click types
        """Also remember the command that runs (``data audit``, not ``data``), so a hint names its flags."""
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta[_COMMAND] = _innermost(ctx, command, rest)
        return name, command, rest


def _innermost(ctx, command, args: list[str]):
    """The command that ``args`` name under ``command`` (itself when it is no group or nothing more is named)."""
    while isinstance(command, TyperGroup) and args and (sub := command.get_command(ctx, args[0])) is not None:
        command, args = sub, args[1:]
    return command


def _flag(command, setting: str | None) -> str | None:
    """``--sequence-column`` where ``command`` has an option for ``setting``; None where it has none."""
    for param in getattr(command, "params", ()):
        if param.name == setting and isinstance(param, TyperOption):
            return max(param.opts, key=len)
    return None


app = typer.Typer(
    cls=_Group,
    help="enhancerlm: is this DNA an enhancer, and why? DNA language models, honestly evaluated.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _setup(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log warnings and errors only."),
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    # Messages go to stderr so that data on stdout can be piped; the root logger stays at INFO so that
    # a run's own log file (run.log) keeps INFO messages even under --quiet.
    handler = logging.StreamHandler()
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=min(level, logging.INFO), handlers=[handler], force=True)


def _register() -> None:
    # One line per command module; each module exposes `register(app)`.
    from enhancerlm.cli import (
        data,
        demo,
        embed,
        explain,
        models,
        mutagenesis,
        predict,
        pretrain,
        run,
        scan,
        serve,
        tokenize,
        variants,
    )

    for module in (
        demo,
        run,
        data,
        pretrain,
        predict,
        embed,
        explain,
        scan,
        variants,
        mutagenesis,
        tokenize,
        models,
        serve,
    ):
        module.register(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
