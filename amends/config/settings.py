"""One settings file, driven by environment variables (see README: Configuration)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Translate `sqlite:///path` or `postgres://user:pass@host:port/name` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        # sqlite:////abs/path is absolute; sqlite:///rel/path is relative to the working directory.
        relative = path.lstrip("/")
        name = "/" + relative if url.startswith("sqlite:////") else (relative or "amends.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # WAL lets readers run while one writer writes; IMMEDIATE avoids lock upgrades mid-transaction.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_NAME") or None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Persistent connections: a new PostgreSQL connection per request is ten times slower.
            "CONN_MAX_AGE": int(os.environ.get("DB_CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL must start with sqlite:// or postgres://, not {parsed.scheme!r}")


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "amends.web.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "ninja",  # its static files: the API docs page serves Swagger UI from here, not from a CDN
    "django_tasks",
    "django_tasks_db",
    "amends.core",
    "amends.customers",
    "amends.intake",
    "amends.cases",
    "amends.compensation",
    "amends.textsense",
    "amends.surveys",
    "amends.followups",
    "amends.incidents",
    "amends.analytics",
    "amends.notifications",
    "amends.privacy",
    "amends.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "amends.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "amends.core.middleware.DomainErrorPagesMiddleware",
    "amends.core.middleware.BadInputMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

# Login throttling (django-axes): failed logins are counted per username *and* address together, so an attacker
# elsewhere cannot lock a real user out; at the limit that pair is refused (the right password too) until the
# cool-off has passed since the last failure. A successful login clears the pair's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AMENDS_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AMENDS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "amends.core.ratelimit.client_ip"  # honours AMENDS_TRUSTED_PROXIES like the rate limits
AXES_LOCKOUT_CALLABLE = "amends.core.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failed attempts are kept; successful logins need no second log
AXES_VERBOSE = False
# Failed API tokens per client address: at the limit within the window, every bearer request from that address gets
# 429 rate_limited (with Retry-After) until the window ends, so tokens cannot be guessed at speed.
AMENDS_API_TOKEN_FAILURE_LIMIT = int(os.environ.get("AMENDS_API_TOKEN_FAILURE_LIMIT", "20"))
AMENDS_API_TOKEN_FAILURE_WINDOW_SECONDS = 60 * int(os.environ.get("AMENDS_API_TOKEN_FAILURE_WINDOW_MINUTES", "10"))

# Content-Security-Policy (django-csp) on every page: scripts, styles and everything else from our own origin only;
# no inline scripts or styles, no eval. Pages with their own, stricter policy (the poster, attachments) keep it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the API docs: Swagger UI draws its icons as data: URIs in its style sheet
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "amends.config.urls"
WSGI_APPLICATION = "amends.config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "amends.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "sqlite:///amends.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("fr", _("French")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", "staticfiles")).resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded files (customers' photos): private, served only through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "media")).resolve()
MEDIA_URL = "/media/"

# Background work: the database queue by default, Redis + RQ when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}  # RQ workers must run django-tasks' job shim
    INSTALLED_APPS.append("django_rq")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The cache holds the public pages' rate limits, so it is shared by every web process: Redis when there is one,
# else a table in the database (created by core's migration 0003).
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # An increment sets the default timeout anew here: an hour outlasts every rate-limit window.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amends_cache",
            "TIMEOUT": 3600,
        }
    }

# Email: console in development unless EMAIL_HOST is given.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Amends <amends@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: strict by default in production (DEBUG off); TLS is terminated in front of us.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Product settings.
AMENDS_FIRST_RESPONSE_MINUTES = int(os.environ.get("AMENDS_FIRST_RESPONSE_MINUTES", "60"))
AMENDS_RESOLUTION_MINUTES = int(os.environ.get("AMENDS_RESOLUTION_MINUTES", "2880"))
# The domain of the Message-IDs of our emails to customers (their replies name it and thread back onto the case).
AMENDS_MAIL_DOMAIN = os.environ.get("AMENDS_MAIL_DOMAIN", "amends.local")
# A customer's reply within this many days of the resolution reopens the case; after it, a new linked case opens.
AMENDS_REOPEN_WINDOW_DAYS = int(os.environ.get("AMENDS_REOPEN_WINDOW_DAYS", "14"))
# Follow-up after resolution: the survey goes out after this many days (per category in the back office, 1-14),
# one reminder REMIND days later, and without an answer it closes as unanswered CLOSE days after the reminder.
AMENDS_CURRENCY = os.environ.get("AMENDS_CURRENCY", "EUR")  # analytics sum gestures in this currency
AMENDS_ANALYTICS_REFRESH_MINUTES = int(os.environ.get("AMENDS_ANALYTICS_REFRESH_MINUTES", "15"))
AMENDS_FOLLOW_UP_DAYS = int(os.environ.get("AMENDS_FOLLOW_UP_DAYS", "7"))
AMENDS_FOLLOW_UP_REMIND_DAYS = int(os.environ.get("AMENDS_FOLLOW_UP_REMIND_DAYS", "3"))
AMENDS_FOLLOW_UP_CLOSE_DAYS = int(os.environ.get("AMENDS_FOLLOW_UP_CLOSE_DAYS", "4"))
AMENDS_MAX_TEXT_LENGTH = 20_000
AMENDS_PAGE_SIZE = 25
AMENDS_BENCH = env_bool("AMENDS_BENCH", False)
if AMENDS_BENCH:
    INSTALLED_APPS.append("bench.ceiling")
    ROOT_URLCONF = "bench.urls"
AMENDS_BASE_URL = os.environ.get("AMENDS_BASE_URL", "http://127.0.0.1:8000")
AMENDS_TRUSTED_PROXIES = int(
    os.environ.get("AMENDS_TRUSTED_PROXIES", "0")
)  # proxies in front: the client IP is that many hops back in X-Forwarded-For
# Customers with no interaction, feedback, case change or ledger entry for this many months (and no open case) are
# anonymised by the sweeper, as an admin's erase would; 0 keeps them.
AMENDS_RETENTION_MONTHS = int(os.environ.get("AMENDS_RETENTION_MONTHS", "0"))
if AMENDS_RETENTION_MONTHS < 0:
    raise ImproperlyConfigured("AMENDS_RETENTION_MONTHS is a number of months (0 = keep customers).")
# A text whose probability of reporting a failure reaches this raises an alert (and opens a case if none is open).
AMENDS_TEXTSENSE_ALERT_THRESHOLD = float(os.environ.get("AMENDS_TEXTSENSE_ALERT_THRESHOLD", "0.9"))
