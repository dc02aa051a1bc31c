"""The unified quality system's tables, one module per domain (Django finds them here)."""

from bioseg.quality.models.capa import *  # noqa: F403
from bioseg.quality.models.capa import __all__ as _capa
from bioseg.quality.models.changes import *  # noqa: F403
from bioseg.quality.models.changes import __all__ as _changes
from bioseg.quality.models.deviations import *  # noqa: F403
from bioseg.quality.models.deviations import __all__ as _deviations
from bioseg.quality.models.oos import *  # noqa: F403
from bioseg.quality.models.oos import __all__ as _oos
from bioseg.quality.models.stationing import *  # noqa: F403
from bioseg.quality.models.stationing import __all__ as _stationing

__all__ = [*_deviations, *_capa, *_oos, *_stationing, *_changes]
