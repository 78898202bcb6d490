"""Thin typer commands, one file per command group."""
