"""The typer application every ``bioseg`` command module registers its commands on."""

from __future__ import annotations

import os

import typer

app = typer.Typer(help="bioseg — segmented production of biological products (NMPA pilot).", no_args_is_help=True)


def setup() -> None:
    """Configures Django; each command calls it first, so `bioseg --help` stays fast."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    import django

    django.setup()
