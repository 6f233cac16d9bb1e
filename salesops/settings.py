"""SalesOps settings: everything that differs between machines comes from the environment.

With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis under var/ are started
(see salesops/embedded.py). A ``NAME_FILE`` variable may hold a secret instead of ``NAME``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "1" if default else "0").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: a whole number is expected") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_bool("SALESOPS_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "org",
    "targets",
    "visits",
    "meetings",
    "reports",
]

MIDDLEWARE = [
    "salesops.routers.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and fragments compressed (static files come compressed from whitenoise, before this).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "org.auth.sessions_of_the_model_backend",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "salesops.middleware.PostWithoutSessionMiddleware",
    "salesops.middleware.SessionLimitsMiddleware",
    "salesops.middleware.ContentSecurityPolicyMiddleware",
    "salesops.middleware.BadParameterMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesops.urls"
WSGI_APPLICATION = "salesops.wsgi.application"

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
                "django.template.context_processors.i18n",
                "org.context_processors.navigation",
            ],
            "builtins": ["salesops.format_tags"],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    from salesops.embedded import ensure_postgres  # only without an external server

    DATABASE_URL = ensure_postgres()
    os.environ["DATABASE_URL"] = DATABASE_URL  # child processes reuse it

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # A replica that does not answer is given up quickly: the reads then go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("REPLICA_CONNECT_TIMEOUT", 2))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# After the replica failed to answer, the seconds before it is tried again.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)
# Dashboards and reports read from the replica when there is one (salesops/routers.py).
DATABASE_ROUTERS = ["salesops.routers.ReplicaRouter"]

REDIS_URL = env("REDIS_URL")
if not REDIS_URL:
    from salesops.embedded import ensure_redis  # only without an external server

    REDIS_URL = ensure_redis()
    os.environ["REDIS_URL"] = REDIS_URL


def redis_database_of_worker(url: str, worker: str) -> str:
    """The Redis URL for one of pytest-xdist's workers (gw0, gw1, …): a database of its own, as each worker has a
    test database of its own, so that one worker's cache flushes and task queues never meet another's."""
    offset = 1 + int(worker.removeprefix("gw"))
    if url.startswith("unix://"):  # the embedded server's socket: the database is a query parameter
        path, _, query = url.partition("?")
        params = dict(parse_qsl(query))
        params["db"] = str((int(params.get("db", 0)) + offset) % 16)
        return f"{path}?{urlencode(params)}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{(int(parts.path.strip('/') or 0) + offset) % 16}"))


# Child processes (a test's Celery worker) inherit the worker's URL, already moved.
if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw") and not os.environ.get("SALESOPS_REDIS_MOVED"):
    REDIS_URL = redis_database_of_worker(REDIS_URL, os.environ["PYTEST_XDIST_WORKER"])
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["SALESOPS_REDIS_MOVED"] = "1"

CACHES = {
    "default": {
        "BACKEND": "salesops.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "salesops"),
        # Fail fast without retries when Redis is down; salesops.cache then serves misses.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1, "retry": Retry(NoBackoff(), 0)},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1) if REDIS_URL.startswith("unix://") else REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran; if its worker dies, Redis hands it to another worker once the
# visibility timeout has passed (it must exceed the longest task).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env("TIME_ZONE", "Asia/Shanghai")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Group robots (reports/robots.py) -------------------------------------------------------
# The hosts a robot's webhook may point at: the platforms' own, so nobody can make the server post elsewhere.
ROBOT_WEBHOOK_HOSTS = env_list(
    "ROBOT_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com,open.feishu.cn,open.larksuite.com"
)
ROBOT_TIMEOUT = env_int("ROBOT_TIMEOUT", 10)  # seconds for one post
ROBOT_MAX_ATTEMPTS = env_int("ROBOT_MAX_ATTEMPTS", 6)  # failed posts before a message is given up

# --- Auth --------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "org.auth.ThrottledLoginBackend",
    # The model backend, with the signed-in user read from the cache on each request.
    "org.auth.KeptUserBackend",  # org.auth.KEPT_USER_BACKEND
]
LOGIN_URL = "login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", SESSION_COOKIE_AGE)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 3600)
# A rep's session lasts the working day on a phone: it ends this many hours after the rep's last request (instead of
# the idle and absolute limits above); deactivation and a password change still end it at once.
REP_SESSION_HOURS = env_int("REP_SESSION_HOURS", 14)
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for a username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "org.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# API tokens (one per device) expire after API_TOKEN_DAYS; a password change or deactivation ends them.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
# Trusted proxies in front of the app: the client address is read through this many X-Forwarded-For hops
# (0: the header is ignored). One function (salesops.client_ip) serves the lockout, the audit log and throttling.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "salesops.client_ip.client_ip"
# A meeting takes check-ins from this many minutes before it starts until it closes.
MEETING_CHECKIN_OPENS_MINUTES = env_int("MEETING_CHECKIN_OPENS_MINUTES", 60)
# Visit photos a rep may upload in one local day (removed and replaced ones count too).
PHOTO_DAILY_QUOTA = env_int("PHOTO_DAILY_QUOTA", 60)

# --- I18N / time -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
CURRENCY_SYMBOL = "¥"
# Our own number and date formats for zh-hans and en (grouped thousands; 2026年12月1日), read before Django's.
FORMAT_MODULE_PATH = ["salesops.formats"]

# --- Static and media --------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names cached for good, gzip and brotli copies, once `collectstatic` has run (salesops/staticfiles.py);
        # with DEBUG the files as they are, served fresh by runserver.
        "BACKEND": "salesops.staticfiles.HashedStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Files whose names carry their hash get whitenoise's "forever" (ten years, immutable); the few without one
# (the icons the web manifest names) are kept a day.
WHITENOISE_MAX_AGE = 0 if DEBUG else 24 * 3600
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# The visit maps' background, e.g. https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png; none by default, so the maps
# work without internet (points and lines on a blank background).
MAP_TILE_URL = env("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token first: a request without a valid one is answered 401 with "WWW-Authenticate: Token" (the
    # first class names the challenge), so a client knows to sign in again; a browser's session still works.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "org.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["org.permissions.HasRole"],
    # JSON only in production; the browsable API (without choice-loading forms) only for development.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["salesops.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    # Bodies are JSON; the views that take a file (a visit's photo, a sales import) add multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["salesops.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["org.filters.ScopedFilterBackend"],
    # Token logins per client address (besides axes' lockout of one username from one address).
    "DEFAULT_THROTTLE_RATES": {"token_login": env("TOKEN_LOGIN_RATE", "60/minute")},
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "salesops.schema.AutoSchema",
    "EXCEPTION_HANDLER": "org.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SalesOps API",
    "DESCRIPTION": "Targets, visit sheets, meetings and progress reports of a managed sales team.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Names and enum values are English whatever the request's language; descriptions follow it.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "salesops.schema.readable_enum_descriptions",
        "salesops.schema.unused_components_removed",
    ],
    # The API is served by the site that serves this schema.
    "SERVERS": [{"url": "/", "description": "This site"}],
}

# --- Security ----------------------------------------------------------------------------
# SECURE=1 says the site is served over HTTPS (as in production): it turns on the redirect to
# HTTPS, secure cookies and HSTS; each can still be set on its own.
SECURE = env_bool("SECURE", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SECURE)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "salesops@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}
