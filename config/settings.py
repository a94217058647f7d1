"""Boomerang settings: one module, every deployment-specific value read from the environment."""

import importlib.util
import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "y", "t"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

BOOMERANG_BASE_URL = os.environ.get("BOOMERANG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
BOOMERANG_INSTANCE_NAME = os.environ.get("BOOMERANG_INSTANCE_NAME", "Boomerang")
DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "USD").upper()

# The InvenTree REST API version whose contract Boomerang mirrors (see README, "REST API").
BOOMERANG_API_VERSION = 500
BOOMERANG_VERSION = "0.1.0"

# Named API tokens live this many days unless the caller asks otherwise.
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "365"))
# Largest attachment accepted, in bytes.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(25 * 1024 * 1024)))
# Request bodies Django reads into memory (JSON, form fields) and the number of fields or query
# parameters; larger is a 413 / 400. A body may be at most one attachment plus this much.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(int(2.5 * 1024 * 1024)))
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FIELDS", "1000"))
DATA_UPLOAD_MAX_NUMBER_FILES = int(os.environ.get("DATA_UPLOAD_MAX_NUMBER_FILES", "100"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "djmoney",
    "djmoney.contrib.exchange",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_htmx",
    "common",
    "users",
    "jobs",
    "companies",
    "stock",
    "reports",
    "returns",
    "webhooks",
    "portal",
    "importer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request reads each site setting once (the page, its decorator, the navigation).
    "common.site_settings.RequestSettingsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The customer portal's own session (request.portal_contact), on /portal/ paths only.
    "portal.middleware.PortalSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: views answer an htmx request with the fragment it asked for.
    "django_htmx.middleware.HtmxMiddleware",
    # The site Content-Security-Policy; DRF's browsable API gets inline style attributes.
    "common.csp.CSPMiddleware",
    # NUL in the query string and oversized bodies: a 400/413 before any view runs.
    "common.middleware.RequestInputMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses locked-out usernames and addresses before any password is checked (see the
    # lockout settings below); then Django's own check, which clears a username's failures
    # when it logs in.
    "users.authentication.LockoutBackend",
    "users.authentication.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.site",
                "returns.context_processors.navigation",
            ],
        },
    },
]


def env_seconds(name: str, default: int) -> int | None:
    """A number of seconds from the environment; ``none`` means no limit (Django's None)."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw == "none":
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds or 'none'.")
    return int(raw)


# Connections are kept between requests (opening one costs a PostgreSQL round trip and a
# backend process per request) and checked before each request reuses them, so a database
# restart costs one failed check, not failed requests. DATABASE_CONN_MAX_AGE=0 closes the
# connection after every request, as Django's default does.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_seconds("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters are bound by the server, and the reused queries' statements (common.sql) are
    # prepared, so PostgreSQL stops planning them again: the order rows' ten joins cost more to
    # plan than to read. Turn it off behind a pooler in transaction mode (PgBouncer without
    # max_prepared_statements), where the next statement may reach another backend.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 1}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once with "database is locked", and take the
    # write lock when a transaction begins so row-locking services serialise correctly.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap's compiled CSS and JS come from a PyPI package, never copied into the repo.
    ("bootstrap", next(iter(importlib.util.find_spec("bootstrap").submodule_search_locations))),
]
# Production serves hashed, compressed files from `collectstatic`. Debug mode and the test
# suite (STATIC_STORAGE=plain, set in pyproject's pytest env) serve straight from the finders.


def _json_object(name: str) -> dict:
    raw = os.environ.get(name, "").strip()
    try:
        value = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return value


# Where uploads and printed reports are kept: the local MEDIA_ROOT, or, for several app
# servers, any Django storage class (such as django-storages' S3 storage) with its options.
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "").strip()
MEDIA_STORAGE_OPTIONS = _json_object("MEDIA_STORAGE_OPTIONS")
STORAGES = {
    "default": (
        {"BACKEND": MEDIA_STORAGE, "OPTIONS": MEDIA_STORAGE_OPTIONS}
        if MEDIA_STORAGE
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or os.environ.get("STATIC_STORAGE") == "plain"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "boomerang@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The SMTP server (Django's own settings, each from the variable of the same name).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
# Seconds an SMTP connection may block; a message is marked "unknown" after MAIL_SENDING_TIMEOUT.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "60"))

# A cache shared by every app server (Redis), or one per process without CACHE_URL. Nothing
# that must agree across servers lives in a per-process cache: sessions, lockout counts and
# the calendar feed's validators are read from the database.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work (config/celery.py). CELERY_BROKER_URL names Redis (redis://host:6379/0) or
# RabbitMQ (amqp://user:password@host:5672//); without it, tasks run in the process that queues
# them, after its transaction commits.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Job outcomes are recorded in the database (their own models), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A task is acknowledged when it has finished, so a worker killed mid-task leaves it queued
# for another; a task whose worker dies is requeued rather than dropped.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task after this many seconds: longer than any task runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Webhooks (README, "Webhooks"). Targets on internal addresses are refused unless this list
# names their host or a network (CIDR) holding their address.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", "")
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Attempts per delivery (the first and its retries), and the backoff between them.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = int(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = int(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "21600"))
# Failed attempts in a row after which a subscription is turned off (0: never).
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "20"))
# Scheduled tasks, queued by `celery -A config beat`. "jobs.scheduled" records its work as a
# job of the kind named (see the job list); the sweep fails jobs whose worker has died.
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-stale-jobs": {"task": "jobs.sweep", "schedule": 60.0},
    # Webhook deliveries whose retry is due (webhooks.services.deliveries_due).
    "webhooks-deliver-due": {"task": "webhooks.deliver_due", "schedule": 60.0},
    "check-overdue-return-orders": {
        "task": "jobs.scheduled",
        "schedule": crontab(minute=0, hour=int(os.environ.get("OVERDUE_CHECK_HOUR", "6"))),
        "args": ("returns.check_overdue",),
    },
    "prune-report-outputs": {
        "task": "jobs.scheduled",
        "schedule": crontab(minute=15, hour=3),
        "args": ("reports.prune_outputs",),
    },
    "prune-api-tokens": {
        "task": "jobs.scheduled",
        "schedule": crontab(minute=30, hour=3),
        "args": ("users.prune_tokens",),
    },
    "prune-portal-sign-ins": {
        "task": "jobs.scheduled",
        "schedule": crontab(minute=50, hour=3),
        "args": ("portal.prune",),
    },
    "prune-job-results": {
        "task": "jobs.scheduled",
        "schedule": crontab(minute=45, hour=3),
        "args": ("jobs.prune_results",),
    },
}

# Jobs (jobs/services.py). A running job beats every JOBS_HEARTBEAT_INTERVAL seconds; one
# whose last beat is older than JOBS_HEARTBEAT_TIMEOUT is failed by the sweep. A transient
# error (connection, SMTP, database) runs it again after JOBS_RETRY_BACKOFF seconds, doubled
# each time up to JOBS_RETRY_BACKOFF_MAX, for at most JOBS_MAX_ATTEMPTS runs in all.
JOBS_HEARTBEAT_INTERVAL = float(os.environ.get("JOBS_HEARTBEAT_INTERVAL", "30"))
JOBS_HEARTBEAT_TIMEOUT = int(os.environ.get("JOBS_HEARTBEAT_TIMEOUT", "300"))
JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "5"))
JOBS_RETRY_BACKOFF = float(os.environ.get("JOBS_RETRY_BACKOFF", "10"))
JOBS_RETRY_BACKOFF_MAX = float(os.environ.get("JOBS_RETRY_BACKOFF_MAX", "600"))
# Finished jobs and their files are deleted this many days after they finish.
JOBS_RESULT_DAYS = int(os.environ.get("JOBS_RESULT_DAYS", "7"))
# Printed report PDFs and revoked or expired API tokens are deleted after this many days.
REPORT_OUTPUT_DAYS = int(os.environ.get("REPORT_OUTPUT_DAYS", "7"))
API_TOKEN_PRUNE_DAYS = int(os.environ.get("API_TOKEN_PRUNE_DAYS", "30"))
# A print of more orders than this, or an export of more rows than this, runs as a job.
REPORT_PRINT_JOB_THRESHOLD = int(os.environ.get("REPORT_PRINT_JOB_THRESHOLD", "20"))
EXPORT_JOB_THRESHOLD = int(os.environ.get("EXPORT_JOB_THRESHOLD", "20000"))
# Notification e-mails: tries per message, and the first wait between them (doubled each time).
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
MAIL_RETRY_BACKOFF = float(os.environ.get("MAIL_RETRY_BACKOFF", "30"))
# A message still "sending" after this many seconds lost its worker: the sweep marks it
# "unknown" (it may have been sent) and it is not sent again. Well above EMAIL_TIMEOUT.
MAIL_SENDING_TIMEOUT = int(os.environ.get("MAIL_SENDING_TIMEOUT", "600"))

# Customer portal: sign-in links (minutes; an invitation's in hours), portal sessions (days),
# and link requests allowed per e-mail address and per client address in each window (seconds).
PORTAL_SESSION_COOKIE_NAME = os.environ.get("PORTAL_SESSION_COOKIE_NAME", "boomerang_portal")
PORTAL_LINK_MINUTES = int(os.environ.get("PORTAL_LINK_MINUTES", "30"))
PORTAL_INVITE_LINK_HOURS = int(os.environ.get("PORTAL_INVITE_LINK_HOURS", "72"))
PORTAL_SESSION_DAYS = int(os.environ.get("PORTAL_SESSION_DAYS", "14"))
# Expired portal sign-in links and sessions are deleted this many days later (``portal.prune``).
PORTAL_PRUNE_DAYS = int(os.environ.get("PORTAL_PRUNE_DAYS", "7"))
PORTAL_LINK_REQUEST_WINDOW = int(os.environ.get("PORTAL_LINK_REQUEST_WINDOW", "3600"))
PORTAL_LINK_REQUESTS_PER_EMAIL = int(os.environ.get("PORTAL_LINK_REQUESTS_PER_EMAIL", "5"))
PORTAL_LINK_REQUESTS_PER_ADDRESS = int(os.environ.get("PORTAL_LINK_REQUESTS_PER_ADDRESS", "30"))
# Photos customers attach: at most this many per form, each at most this many bytes.
PORTAL_PHOTO_MAX_COUNT = int(os.environ.get("PORTAL_PHOTO_MAX_COUNT", "6"))
PORTAL_PHOTO_MAX_BYTES = int(os.environ.get("PORTAL_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
# Languages the portal answers in, chosen from the browser's Accept-Language.
PORTAL_LANGUAGES = env_list("PORTAL_LANGUAGES", "en")

# Security headers; the HTTPS-only ones follow the scheme of BOOMERANG_BASE_URL.
_HTTPS = BOOMERANG_BASE_URL.startswith("https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", BOOMERANG_BASE_URL if _HTTPS else "")

# Content-Security-Policy (django-csp). Scripts and styles load from this origin or carry the
# per-request nonce (``request.csp_nonce``, sent only on pages that use it); never
# 'unsafe-inline' or 'unsafe-eval'. The admin and Swagger UI (templates/api_docs.html) run
# under it as is; DRF's browsable API alone widens it for its styles (common/csp.py). Media
# downloads set their own stricter policy.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Lockout after repeated failed logins (django-axes), on the login pages and HTTP Basic (API,
# token requests, calendar feed): AXES_FAILURE_LIMIT failures for one username, or from one
# client address, lock that username or address out for AXES_COOLOFF_MINUTES after its last
# failure (0: until an administrator resets it). Locked out: 429 with Retry-After.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
_AXES_COOLOFF_MINUTES = float(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = _AXES_COOLOFF_MINUTES / 60 if _AXES_COOLOFF_MINUTES > 0 else None  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "users.authentication.lockout_response"
AXES_CLIENT_IP_CALLABLE = "users.authentication.client_ip_address"
# users.authentication.ModelBackend clears a username's failures on success; axes' own reset
# would also clear the address's.
AXES_RESET_ON_SUCCESS = False
# No start-up banner on every manage.py command; failures and lockouts are still logged.
AXES_VERBOSE = False
# Reverse proxies in front of Boomerang that append the client address to X-Forwarded-For;
# 0 (the default) counts REMOTE_ADDR. Set it only if the proxies really do append.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# django-money
CURRENCIES = tuple(env_list("CURRENCIES", "USD,EUR,GBP,CAD,AUD,JPY,CHF,CNY,NZD,SEK"))
if DEFAULT_CURRENCY not in CURRENCIES:
    CURRENCIES = (*CURRENCIES, DEFAULT_CURRENCY)
DEFAULT_CURRENCY_CODE = DEFAULT_CURRENCY
# Exchange rates are kept by hand (admin or `manage.py set_exchange_rate`), never fetched.
EXCHANGE_BACKEND = "common.exchange.ManualRatesBackend"
RATES_CACHE_TIMEOUT = 0

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.ApiTokenAuthentication",
        # DRF's Basic, counted by the login lockout (429 when locked out).
        "users.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "common.permissions.RolePermission",
    ],
    # JSON first: the inventree client sends "Accept: */*" and needs exactly application/json.
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's, repairing stored text that UTF-8 cannot encode (common/renderers.py).
        "common.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # A JSON body must be one object, nested at most 64 levels: anything else is a 400.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Integer filters take only values that fit 64 bits; search takes a bounded number of words.
    "DEFAULT_FILTER_BACKENDS": [
        "common.filters.DjangoFilterBackend",
        "common.filters.SearchFilter",
        "common.filters.OrderingFilter",
    ],
    # limit/offset as InvenTree's, refusing values that are not whole numbers below 2**63.
    "DEFAULT_PAGINATION_CLASS": "common.pagination.LimitOffsetPagination",
    "PAGE_SIZE": None,
    "DEFAULT_METADATA_CLASS": "common.metadata.BoomerangMetadata",
    "DEFAULT_SCHEMA_CLASS": "common.schema.BoomerangAutoSchema",
    "EXCEPTION_HANDLER": "common.exceptions.exception_handler",
    "DATE_FORMAT": "%Y-%m-%d",
    "COERCE_DECIMAL_TO_STRING": False,
    "URL_FORMAT_OVERRIDE": "format",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Boomerang API",
    "DESCRIPTION": "Return orders (RMA), companies, parts and stock. InvenTree-compatible.",
    "VERSION": BOOMERANG_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": [(code, code) for code in CURRENCIES],
        "StockStatusEnum": "stock.statuses.StockStatus",
        "WarrantyStatusEnum": "returns.statuses.WarrantyStatus",
        "DispositionKindEnum": "returns.statuses.DispositionKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.schema.postprocess_blank_urls",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Calendar feed URLs carry a personal key (?token=): the access log and request warnings
    # show it redacted. django.server keeps Django's own format and handler.
    "filters": {"redact_tokens": {"()": "common.log_filters.RedactTokenFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_tokens"],
        },
        "django.request": {"filters": ["redact_tokens"]},
        # WeasyPrint logs every rendering step at INFO; keep its warnings (missing resources).
        "weasyprint": {"level": "WARNING"},
    },
}
