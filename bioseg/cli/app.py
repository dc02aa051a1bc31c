"""The typer application every ``bioseg`` command module registers its commands on."""

from __future__ import annotations

import os

import typer

app = typer.Typer(help="bioseg — segmented production of biological products (NMPA pilot).", no_args_is_help=True)


def setup() -> None:
    """Configures Django; each command calls it first, so `bioseg --help` stays fast.

    The translation catalogues are compiled *before* Django starts: Django caches a catalogue the first time
    it loads one, and the server's workers are forked from this process, so a catalogue compiled later
    would only be seen after a restart."""
    from pathlib import Path

    from bioseg.common.i18n import compile_catalogues

    compile_catalogues([Path(__file__).resolve().parent.parent / "locale"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bioseg.settings")
    import django

    django.setup()
