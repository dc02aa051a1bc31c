"""The unified quality system (deviations, OOS, CAPA, change control, stationing) — models arrive with issue 9.

Quality agreements live in ``bioseg.registry`` (they are the registry of partnerships and drive who sees what)."""
