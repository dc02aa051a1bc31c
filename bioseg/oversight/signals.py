"""What the supervision records tell the rest of bioseg.

``supervision_signal`` is sent inside the transaction of the act, with ``sites`` (the registry sites concerned),
``kind`` (``inspection_reported`` — a report signed with its conclusion and findings; ``sample_unqualified`` — a
regulatory sample failed) and ``subject`` (the inspection or the sample), ``actor``. The risk rating re-rates the
sites on it."""

from django.dispatch import Signal

supervision_signal = Signal()
