"""Where the reference material outside the project lives: ``../shared`` beside the checkout.

GS1's EPCIS schema and examples (``vendor/gs1-epcis``) and the inspection-scheduling checker (``oversight``) are
not part of the project. Tests that need them request the fixtures of ``tests/conftest.py`` (``epcis_schema``,
``vendor``, ``official_schema``, ``oversight``), which skip with a clear reason when the folder is absent.
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VENDOR = SHARED / "vendor" / "gs1-epcis"
SCHEMA_FILE = VENDOR / "EPCIS-JSON-Schema.json"
OVERSIGHT = SHARED / "oversight"
MISSING = f"GS1 EPCIS reference files not found in {VENDOR} (../shared/vendor/gs1-epcis beside the repository)"
