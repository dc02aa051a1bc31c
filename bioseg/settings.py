"""Django settings for bioseg, driven by environment variables.

BIOSEG_DATA_DIR      where the embedded database, backups and uploads live (default: ~/.bioseg)
BIOSEG_DATABASE_URL  a database URL (postgres://… or sqlite:///…); default: SQLite in the data dir
BIOSEG_SECRET_KEY    required in production (`bioseg serve`); a per-data-dir key is generated otherwise
BIOSEG_DEBUG         "1" to enable Django debug pages
BIOSEG_ALLOWED_HOSTS comma-separated host names (default: localhost,127.0.0.1)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    path = Path(os.environ.get("BIOSEG_DATA_DIR") or Path.home() / ".bioseg").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


DATA_DIR = data_dir()
# Where `bioseg audit verify` anchors the audit chain's head (docs/operations.md): outside the database.
BIOSEG_AUDIT_ANCHOR_FILE = os.environ.get("BIOSEG_AUDIT_ANCHOR_FILE") or str(DATA_DIR / "audit-anchors.jsonl")


def _secret_key() -> str:
    if os.environ.get("BIOSEG_SECRET_KEY"):
        return os.environ["BIOSEG_SECRET_KEY"]
    key_file = DATA_DIR / "secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("BIOSEG_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("BIOSEG_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")]
ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "bioseg.common",
    "bioseg.accounts",
    "bioseg.audit",
    "bioseg.registry",
    "bioseg.production",
    "bioseg.quality",
    "bioseg.pilots",
    "bioseg.oversight",
    "bioseg.evaluation",
    "django_tasks",
    "django_tasks_db",
    "bioseg.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bioseg.accounts.middleware.SessionTouchMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "bioseg.api.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bioseg.accounts.middleware.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bioseg.audit.middleware.AuditRequestMiddleware",
]

ROOT_URLCONF = "bioseg.urls"
WSGI_APPLICATION = "bioseg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BIOSEG_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'bioseg.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        }
    )
    # A file (not :memory:) so tests can open a second connection; per process so parallel runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-bioseg-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["bioseg.accounts.backends.LockoutBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"

# Lockout: this many consecutive failures lock the account for this many minutes.
BIOSEG_LOCKOUT_THRESHOLD = 5
BIOSEG_LOCKOUT_MINUTES = 15

# GMP practice: an idle session locks after 15-30 minutes. The session is renewed at most once per
# BIOSEG_SESSION_TOUCH_SECONDS (bioseg.accounts.middleware), so reads do not write on every request.
BIOSEG_IDLE_MINUTES = int(os.environ.get("BIOSEG_IDLE_MINUTES", "30"))
if not 1 <= BIOSEG_IDLE_MINUTES <= 480:
    raise ValueError(f"BIOSEG_IDLE_MINUTES must be between 1 and 480, not {BIOSEG_IDLE_MINUTES}")
BIOSEG_SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_AGE = BIOSEG_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# API tokens: last use recorded at most once per this many seconds.
BIOSEG_TOKEN_TOUCH_SECONDS = 60

# Behind a TLS-terminating proxy (docs/operations.md): BIOSEG_HTTPS=1 makes cookies Secure, sends HSTS and
# trusts the proxy's X-Forwarded-Proto.
BIOSEG_HTTPS = os.environ.get("BIOSEG_HTTPS") == "1"
if BIOSEG_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("BIOSEG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BIOSEG_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from the app finders; collectstatic is optional
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BIOSEG_LOG_LEVEL", "WARNING")},
}

# EPCIS capture limits: a larger document is refused (413) and must be sent in parts.
BIOSEG_EPCIS_MAX_BYTES = int(os.environ.get("BIOSEG_EPCIS_MAX_BYTES", str(20 * 1024 * 1024)))
BIOSEG_EPCIS_MAX_EVENTS = int(os.environ.get("BIOSEG_EPCIS_MAX_EVENTS", "50000"))

# Background tasks (the Django tasks framework, django-tasks backport): the database backend by default, so SQLite
# and PostgreSQL both work without another server; `bioseg worker` runs them. BIOSEG_TASKS_BACKEND may name another
# backend (e.g. "django_tasks.backends.immediate.ImmediateBackend" to run each task at once, as the tests do).
TASKS = {"default": {"BACKEND": os.environ.get("BIOSEG_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Mail (notifications the quality agreement requires): written as files under the data directory by default;
# BIOSEG_SMTP_HOST switches to SMTP (BIOSEG_SMTP_PORT, BIOSEG_SMTP_USER, BIOSEG_SMTP_PASSWORD, BIOSEG_SMTP_TLS=1).
DEFAULT_FROM_EMAIL = os.environ.get("BIOSEG_MAIL_FROM", "bioseg <noreply@bioseg.invalid>")
if os.environ.get("BIOSEG_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["BIOSEG_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("BIOSEG_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("BIOSEG_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("BIOSEG_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("BIOSEG_SMTP_TLS") == "1"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
