"""``herald transactional …``: the transactional template catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from herald.kit.settings import get_settings
from herald.transactional.catalogue import CatalogueError, load_catalogue

transactional_app = typer.Typer(help="Transactional mail.", no_args_is_help=True)


@transactional_app.command("templates")
def templates(
    check: Annotated[
        bool, typer.Option("--check", help="Only validate; print nothing when all is well.")
    ] = False,
) -> None:
    """List the templates (packaged + HERALD_TRANSACTIONAL_TEMPLATES_DIR); exit 2 if unusable."""
    try:
        catalogue = load_catalogue(get_settings().transactional_templates_dir)
    except CatalogueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if check:
        return
    for template in catalogue.templates.values():
        category = template.category
        kind = "mandatory" if category.mandatory else "optional"
        languages = ",".join(sorted(template.versions))
        typer.echo(f"{template.key:<28} {category.key:<24} {kind:<9} {languages}")
