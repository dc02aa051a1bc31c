"""Shared fixtures: organisations and users for every role, and a transactional database whose audit
triggers are lifted only for the flush that ends a test (flushing deletes rows, which the triggers refuse)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

from bioseg.accounts.models import User
from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.accounts.services import organisation_create, user_create
from bioseg.audit.context import audit_context
from bioseg.common.i18n import compile_catalogues
from tests.shared import MISSING, OVERSIGHT, SCHEMA_FILE, VENDOR

PASSWORD = "correct horse battery 42"

# A fresh checkout has only the .po files; compile them once and drop the cached catalogues — Django's, and
# Python's own gettext cache, which keeps a .mo parsed before it was recompiled (a stale catalogue otherwise
# survives the reset and the newest messages show in English).
if compile_catalogues(settings.LOCALE_PATHS):
    import gettext as _gettext_module

    _gettext_module._translations.clear()
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language: Django's LocaleMiddleware leaves the language of the last
    request active in the thread, so a test after an English request would otherwise run in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is the production hasher (tests/accounts checks it); the suites create many users, so they
    hash with a cheap one. Lockout, re-authentication and signatures still run the real password check."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture
def audited_transactional_db(transactional_db, django_db_blocker):
    """Committed writes (visible to other connections). At teardown the triggers are dropped so Django's
    flush can empty the tables; the flush's post_migrate signal installs them again."""
    yield
    from bioseg.audit import triggers

    with django_db_blocker.unblock():
        triggers.uninstall()


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def _make(role: str, org=None, *, username: str | None = None, password: str = PASSWORD) -> User:
        counter["n"] += 1
        with audit_context(actor="test-setup"):
            if org is None:
                kind = {
                    Role.PROVINCIAL_REVIEWER: OrganisationKind.PROVINCIAL_REGULATOR,
                    Role.PROVINCIAL_INSPECTOR: OrganisationKind.PROVINCIAL_REGULATOR,
                    Role.NMPA_OFFICER: OrganisationKind.NMPA,
                    Role.SYSTEM_ADMIN: OrganisationKind.OPERATOR,
                }.get(role, OrganisationKind.ENTERPRISE)
                org = organisation_create(
                    kind=kind,
                    name_zh=f"测试机构{counter['n']}",
                    name_en=f"Test org {counter['n']}",
                    region_code="320000" if kind == OrganisationKind.PROVINCIAL_REGULATOR else "",
                )
            return user_create(
                username=username or f"user{counter['n']}",
                password=password,
                organisation=org,
                roles=[role],
                printed_name=f"Test User {counter['n']}",
            )

    return _make


@pytest.fixture
def admin(make_user) -> User:
    return make_user(Role.SYSTEM_ADMIN, username="admin")


# --- reference material beside the checkout (../shared): skip cleanly when it is absent ----------------------


@pytest.fixture(scope="session")
def epcis_schema() -> Path:
    """``BIOSEG_EPCIS_SCHEMA`` set to GS1's official schema for the session (skips when it is absent)."""
    if not SCHEMA_FILE.is_file():
        pytest.skip(MISSING)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BIOSEG_EPCIS_SCHEMA", str(SCHEMA_FILE))
        yield SCHEMA_FILE


@pytest.fixture(scope="session")
def vendor(epcis_schema) -> Path:
    return VENDOR


@pytest.fixture(scope="session")
def official_schema(vendor: Path) -> dict:
    return json.loads((vendor / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def oversight() -> Path:
    """The inspection-scheduling exchange format's folder (example problem, ``check.py``); skips when absent."""
    if not (OVERSIGHT / "check.py").is_file():
        pytest.skip(
            f"the scheduling reference files are not in {OVERSIGHT} (../shared/oversight beside the repository)"
        )
    return OVERSIGHT
