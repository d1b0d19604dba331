"""liuquan settings, read from the environment (see README "Configuration").

LIUQUAN_DATABASE_URL  postgresql://user:pass@host:port/db; unset = embedded SQLite under var/
LIUQUAN_VAR_DIR       writable data directory (default ./var)
LIUQUAN_SECRET_KEY    session signing key (default: generated once into var/secret_key)
LIUQUAN_DEBUG         1 for development error pages (default 0)
LIUQUAN_ALLOWED_HOSTS comma-separated host names (default 127.0.0.1,localhost)
LIUQUAN_HTTPS         1 when served behind TLS: secure cookies, HSTS, trusted proxy header
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from liuquan import config

# Lets admin.ModelAdmin[Model] and QuerySet[Model] be written at run time as mypy reads them.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = config.var_dir()

SECRET_KEY = config.secret_key(VAR_DIR)
DEBUG = config.env_bool("LIUQUAN_DEBUG", False)
ALLOWED_HOSTS = config.env_list("LIUQUAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
HTTPS = config.env_bool("LIUQUAN_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "liuquan.core",
    "liuquan.org",
    "liuquan.laws",
    "liuquan.ledger",
    "liuquan.calendars",
    "liuquan.powers",
    "liuquan.flows",
    "liuquan.cases",
    "liuquan.supervision",
    "liuquan.decisions",
    "liuquan.portal",
    "liuquan.console",
    "liuquan.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "liuquan.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liuquan.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "liuquan.core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liuquan.urls"
WSGI_APPLICATION = "liuquan.wsgi.application"

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
                "liuquan.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": config.database(VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling (django-axes): five failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if HTTPS else 0

# Sessions and transport ---------------------------------------------------------------------------
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "liuquan.core.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = config.env_list("LIUQUAN_CSRF_TRUSTED_ORIGINS", [])
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000

# Language and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# Static files: vendored front-end libraries are served by WhiteNoise, never from a CDN.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

LIUQUAN_SITE_NAME = _("Six Powers Governance")

# Public ledger: the log's origin line (a schema-less URL naming this installation's log), and how often
# a new checkpoint is signed: after LIUQUAN_CHECKPOINT_SECONDS or LIUQUAN_CHECKPOINT_ENTRIES new entries.
LIUQUAN_LEDGER_ORIGIN = os.environ.get("LIUQUAN_LEDGER_ORIGIN", "liuquan.localhost/ledger")
LIUQUAN_CHECKPOINT_SECONDS = config.env_int("LIUQUAN_CHECKPOINT_SECONDS", 10)
LIUQUAN_CHECKPOINT_ENTRIES = config.env_int("LIUQUAN_CHECKPOINT_ENTRIES", 1000)
# The signer's memory of the last checkpoint it signed (default var/ledger-signed.note): outside the
# database, so a rewritten database cannot get a second history signed.
LIUQUAN_LEDGER_MEMORY = os.environ.get("LIUQUAN_LEDGER_MEMORY", "")
# Independent witnesses (liuquan-witness) asked to cosign each checkpoint: "URL VKEY" pairs separated by ";".
LIUQUAN_LEDGER_WITNESSES = os.environ.get("LIUQUAN_LEDGER_WITNESSES", "")
# Limits on the public side (README, Production): applications per address and hour on the portal; wrong
# query codes per case number and per address in 15 minutes; one case's documents in MB.
LIUQUAN_APPLICATIONS_PER_HOUR = config.env_int("LIUQUAN_APPLICATIONS_PER_HOUR", 30)
LIUQUAN_WRONG_CODES_PER_CASE = config.env_int("LIUQUAN_WRONG_CODES_PER_CASE", 10)
LIUQUAN_WRONG_CODES_PER_ADDRESS = config.env_int("LIUQUAN_WRONG_CODES_PER_ADDRESS", 100)
LIUQUAN_CASE_FILES_MB = config.env_int("LIUQUAN_CASE_FILES_MB", 50)
# Supervision runs its rules over a case right after it moves (besides the periodic sweep); 0 leaves it
# to the sweep alone (a bulk import of history, say).
LIUQUAN_SUPERVISE_ON_EVENT = config.env_flag("LIUQUAN_SUPERVISE_ON_EVENT", True)
