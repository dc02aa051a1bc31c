"""The quality-system tests run in the production tests' small world (``tests.production.conftest``): Suzhou
Holder (Jiangsu) with the Suzhou site (WCB, DS), Shanghai CDMO with the Shanghai site (DP) under agreement
QA-2025-001, and Guangzhou Bio, unrelated; W1 → D1, D2 → (SH-1 to Shanghai) → P1 (D1+D2), P2 (D2)."""

from tests.production.conftest import fast_password_hashing, genealogy, market, world  # noqa: F401
