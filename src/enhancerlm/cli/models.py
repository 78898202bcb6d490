"""``enhancerlm models``: the registered backbones and baselines, one row each."""

from __future__ import annotations

import typer

COLUMNS = ("name", "family", "hub_id", "k", "max_tokens", "remote_code", "baseline", "description")


def backbone_rows() -> list[dict]:
    """One dict per registered spec, keys ``COLUMNS`` ("" where a spec has no value)."""
    from enhancerlm.models import list_backbones

    return [
        {
            "name": s.name,
            "family": s.family,
            "hub_id": s.hub_id or "",
            "k": s.k or "",
            "max_tokens": s.max_tokens or "",
            "remote_code": "yes" if s.needs_remote_code else "",
            "baseline": "yes" if s.is_baseline else "",
            "description": s.description,
        }
        for s in list_backbones()
    ]


def models(
    tsv: bool = typer.Option(False, "--tsv", help="Tab-separated with a header (for scripts) instead of a table."),
) -> None:
    """List the backbones `--backbone` accepts (any other hub id or model folder works too)."""
    rows = backbone_rows()
    if tsv:
        lines = ["\t".join(COLUMNS)] + ["\t".join(str(r[c]) for c in COLUMNS) for r in rows]
        typer.echo("\n".join(lines))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*COLUMNS, title="enhancerlm backbones (remote_code: needs --trust-remote-code)")
    for r in rows:
        table.add_row(*(str(r[c]) for c in COLUMNS))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("models")(models)
