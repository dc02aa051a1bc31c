"""The unified quality system's tables, one module per domain (Django finds them here)."""

from bioseg.quality.models.changes import *  # noqa: F403
from bioseg.quality.models.changes import __all__ as _changes
from bioseg.quality.models.deviations import *  # noqa: F403
from bioseg.quality.models.deviations import __all__ as _deviations

__all__ = list(_deviations) + list(_changes)
