"""The ``bioseg`` command. Each module of this package registers its commands on ``bioseg.cli.app.app``."""

from __future__ import annotations

import sys

from bioseg.cli import (
    assess,  # noqa: F401  (registers assess)
    core,  # noqa: F401  (registers demo, serve, migrate, audit, backup, restore)
    epcis,  # noqa: F401  (registers epcis export/capture, lots)
    production,  # noqa: F401  (registers trace, recall-report)
    report,  # noqa: F401  (registers report evaluation, worker)
    schedule,  # noqa: F401  (registers schedule, schedule rederive)
)
from bioseg.cli.app import app


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
