"""Settings for the youth proposal tracker, read from the environment.

TRACKER_ENV=development (default) runs on embedded defaults: SQLite, a file-system Celery broker and
mails written to var/mail/. TRACKER_ENV=production demands real values and turns on every protection
that `manage.py check --deploy` asks for.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import dj_database_url
import rest_framework
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tracker.content_security import style_attribute_hashes
from tracker.env import (
    env_address,
    env_admins,
    env_bool,
    env_choice,
    env_days,
    env_dotted_path,
    env_fraction,
    env_int,
    env_int_between,
    env_list,
    env_log_level,
    env_networks,
    env_origins,
    env_rate,
    env_secret,
    env_sentry_dsn,
    env_str,
    env_time_zone,
    env_url,
    redis_neighbour_database,
    same_redis_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TRACKER_VAR_DIR", str(BASE_DIR / "var")))
# Run-time files of the embedded default (database, broker queue, mails, uploads) live here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

TRACKER_ENV = env_choice("TRACKER_ENV", "development", {"development", "production"})
PRODUCTION = TRACKER_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when TRACKER_ENV=production.")

_DEV_SECRET_KEY = "development-only-key-do-not-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY", None if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this service answers for in production.")
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

# Where the product is reached from outside; reminder mails link back to it.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "proposals",
    "api",
    "web",
]
# The demo (its data and `manage.py seed_demo`) is an app without models: an office's server can leave it out.
if env_bool("TRACKER_DEMO", default=True):
    INSTALLED_APPS += ["demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (PostgreSQL in production and CI).
DATABASE_URL = env_secret("DATABASE_URL", "" if PRODUCTION else f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required in production (postgres://user:pass@host/db).")
# Behind PgBouncer in transaction pooling (#17 item 10), see below.
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
try:
    _database = dj_database_url.parse(
        # Behind PgBouncer, PgBouncer keeps the connections: each request opens its own to PgBouncer (cheap).
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DATABASE_PGBOUNCER else 60, minimum=0)
    )  # fmt: skip
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat on one file: WAL lets readers go on while one
    # process writes, and IMMEDIATE transactions take the write lock up front instead of failing
    # half-way with "database is locked".
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _database["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling, a server connection serves a client for one transaction only. A
# server-side cursor (the exports' .iterator() outside a transaction: DECLARE ... WITH HOLD, then a FETCH per
# chunk) stays on the server connection it was declared on, and the next FETCH may go to another one ("cursor
# does not exist", tests/e2e/test_pgbouncer.py): DATABASE_PGBOUNCER=true turns them off, and an export's query
# then comes whole into the process's memory, Django handing its rows out in chunks. Prepared statements do not
# survive a transaction there either (PgBouncer before 1.21): Django's psycopg connections make none by default
# (prepare_threshold=None, client-side binding), and a DATABASE_URL may not ask for them behind PgBouncer.
if DATABASE_PGBOUNCER:
    if _database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_PGBOUNCER=true needs a PostgreSQL DATABASE_URL (postgres://...).")
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    _options = _database.setdefault("OPTIONS", {})
    if _options.get("server_side_binding") or _options.get("prepare_threshold") is not None:
        raise ImproperlyConfigured(
            "DATABASE_PGBOUNCER: server_side_binding and prepare_threshold in DATABASE_URL make prepared "
            "statements, which PgBouncer in transaction pooling does not keep; leave them out."
        )
    _options["prepare_threshold"] = None
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "proposals.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A password reset link works this long, and once: it is bound to the password it replaces.
PASSWORD_RESET_TIMEOUT = 60 * 60 * env_int("PASSWORD_RESET_HOURS", 24, minimum=1)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing (before collectstatic)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Evidence uploads (DESIGN §3): size and type are checked by proposals.services.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# An upload's body is read no further than that limit (and one chunk), on the web and in the API.
FILE_UPLOAD_HANDLERS = [
    "proposals.uploads.EvidenceSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Text limits per field, in characters: long enough for a researched proposal, short enough to refuse junk.
PROPOSAL_TITLE_MAX_CHARS = 200
PROPOSAL_TEXT_MAX_CHARS = env_int("PROPOSAL_TEXT_MAX_CHARS", 50_000, minimum=1000)

# Mail: files under var/mail/ by default so a user can read what would have been sent; SMTP in production.
EMAIL_BACKEND = env_dotted_path(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_address("DEFAULT_FROM_EMAIL", "青年提案助手 <noreply@tracker.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a file-system broker needs no server for the embedded default; Redis in production and CI.
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL", "" if PRODUCTION else "filesystem://localhost//")
if not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL is required in production (redis://host:6379/0).")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    # Neither kombu's file-system transport nor Celery's file result backend creates its folders.
    for _folder in ("broker", "processed", "control", "results"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
# Redis, or Redis behind Sentinel (#17 item 10): CELERY_BROKER_URL=sentinel://host-a:26379;sentinel://host-b:26379
# with CELERY_BROKER_SENTINEL_MASTER naming the monitored master; the results go the same way.
REDIS_BROKER = CELERY_BROKER_URL.startswith(("redis", "sentinel"))
CELERY_BROKER_SENTINEL_MASTER = env_str("CELERY_BROKER_SENTINEL_MASTER", "")
if CELERY_BROKER_URL.startswith("sentinel") != bool(CELERY_BROKER_SENTINEL_MASTER):
    raise ImproperlyConfigured(
        "CELERY_BROKER_SENTINEL_MASTER names the Sentinel master of a sentinel:// CELERY_BROKER_URL: set both or "
        "neither."
    )
CELERY_RESULT_BACKEND = env_secret(
    "CELERY_RESULT_BACKEND", CELERY_BROKER_URL if REDIS_BROKER else f"file://{VAR_DIR / 'celery' / 'results'}"
)
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
(VAR_DIR / "celery").mkdir(exist_ok=True)
# Tests run tasks in-process unless they start a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Delivery guarantees. The reminder outbox in the database is the source of truth; these settings make sure a
# task lost with its worker runs again instead of vanishing (a task that runs twice finds nothing left to do).
# Acknowledge a task only when it has finished, so a worker that dies mid-task does not lose it.
CELERY_TASK_ACKS_LATE = True
# And when the worker's process is killed (SIGKILL, out of memory), put its task back on the queue.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One task at a time per process: with acks_late, prefetched tasks would wait behind a long batch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged task to another worker after this long. It must exceed the longest task
# (a batch of mails) and every retry countdown (REMINDER_RETRY_MAX_SECONDS), or tasks would run twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
if REDIS_BROKER:
    _sentinel = {"master_name": CELERY_BROKER_SENTINEL_MASTER} if CELERY_BROKER_SENTINEL_MASTER else {}
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, **_sentinel}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, **_sentinel}
# Publishing a task while the broker is down gives up quickly: the request that queued it has committed its
# change already, and the outbox is drained by the next sweep once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# Deadline reminders (DESIGN §5). A session may override the offsets and the escalation.
REMINDER_POLICY = {
    # Days before a due date on which a reminder goes out; after it, one a day while overdue.
    "offsets_days": [7, 3, 1, 0],
    # After this many days overdue, the coordinator of the parent organisation is told too.
    "escalate_after_days": env_int("REMINDER_ESCALATE_AFTER_DAYS", 3, minimum=1),
    # Daily overdue reminders stop after this many days: by then the escalation has reached the committee.
    "overdue_for_days": env_int("REMINDER_OVERDUE_FOR_DAYS", 30, minimum=1),
}
# Key supervised items (重点督办) are reminded on these days before a due date too, besides the session's days, and
# escalate on their first day overdue.
SUPERVISED_REMINDER_OFFSETS = env_days("SUPERVISED_REMINDER_OFFSETS", [30, 14, 7, 3, 1, 0])
# Reminders of a day go out from this hour (Asia/Shanghai) for people who want them at once.
REMINDER_SEND_HOUR = env_int_between("REMINDER_SEND_HOUR", 8, 0, 23)
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 300, minimum=5)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 200, minimum=1)
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 60, minimum=1)
REMINDER_RETRY_MAX_SECONDS = env_int("REMINDER_RETRY_MAX_SECONDS", 1800, minimum=1)
# A mail that keeps failing is retried (every REMINDER_RETRY_MAX_SECONDS at most) for this long, then fails for
# good: an office's mail server can be down for an afternoon, or a weekend.
REMINDER_RETRY_FOR_HOURS = env_int("REMINDER_RETRY_FOR_HOURS", 48, minimum=24)
# A claim older than this belongs to a worker that died; its reminders go back to pending. A live worker renews
# its claim before each mail, so the lease only has to outlast one mail.
REMINDER_CLAIM_LEASE_SECONDS = env_int("REMINDER_CLAIM_LEASE_SECONDS", 600, minimum=1)
# One mail waits at most this many EMAIL_TIMEOUTs: connect, EHLO, MAIL, RCPT, DATA and the final dot, on two
# connections (a mail whose connection the server closed is sent again on a new one). A lease shorter than that
# hands a live worker's mail to another worker: the same mail twice.
REMINDER_MAIL_TIMEOUTS = 12
if REMINDER_CLAIM_LEASE_SECONDS <= REMINDER_MAIL_TIMEOUTS * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"REMINDER_CLAIM_LEASE_SECONDS ({REMINDER_CLAIM_LEASE_SECONDS}) must exceed {REMINDER_MAIL_TIMEOUTS} × "
        f"EMAIL_TIMEOUT ({EMAIL_TIMEOUT}), the longest one mail can take."
    )
if REMINDER_RETRY_MAX_SECONDS >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("REMINDER_RETRY_MAX_SECONDS must stay below CELERY_VISIBILITY_TIMEOUT.")
# Young people's needs (#16): the contact details of who raised one are removed this many days after the
# reply to them was sent (or after the need was declined), by a daily job.
NEED_CONTACT_RETENTION_DAYS = env_int("NEED_CONTACT_RETENTION_DAYS", 90, minimum=1)
# The public needs page takes this many needs an hour from one client address (as NUM_PROXIES determines it);
# more are refused with a 429 until the next hour.
NEED_SUBMISSIONS_PER_HOUR = env_int("NEED_SUBMISSIONS_PER_HOUR", 5, minimum=1)

CELERY_BEAT_SCHEDULE = {
    # A sweep still queued when the next one is due is dropped: behind a slow worker, sweeps would pile up.
    "outbox-sweep": {
        "task": "proposals.tasks.sweep_outbox",
        "schedule": REMINDER_SWEEP_SECONDS,
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    # Daily, at night: the needs' contact details past NEED_CONTACT_RETENTION_DAYS.
    "need-contacts-removal": {
        "task": "proposals.tasks.remove_expired_need_contacts",
        "schedule": crontab(hour=3, minute=17),
    },
}

# API throttling counts in the cache, so every web worker must share it: Redis where there is one. Never in the
# broker's database: clearing the cache (FLUSHDB) would wipe the task queue with it. By default the cache takes
# the database after the broker's on the same server (/0 -> /1, ..., /14 -> /15; /15 -> /14).
CACHE_URL = env_secret("CACHE_URL", redis_neighbour_database(CELERY_BROKER_URL) or "")
# Django's Redis cache speaks no Sentinel: behind one, the cache is a Redis of its own (a separate cache Redis).
if PRODUCTION and CELERY_BROKER_SENTINEL_MASTER and not CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL is required with a Sentinel broker: a Redis for the cache (redis://...).")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("CACHE_URL must be a Redis URL (redis://, rediss:// or unix://).")
if CACHE_URL and same_redis_database(CACHE_URL, CELERY_BROKER_URL):
    raise ImproperlyConfigured("CACHE_URL must name another Redis database than CELERY_BROKER_URL.")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A request must not wait long for a cache that is gone: the throttles then count in the process.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Behind a TLS-terminating proxy in production; /healthz stays reachable over plain HTTP for probes.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Cookies go over HTTPS only, unless HTTPS itself is off (a local compose run over plain HTTP).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=SECURE_SSL_REDIRECT)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"calendar_secrets": {"()": "tracker.log_redaction.CalendarSecretFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_log_level("LOG_LEVEL", "INFO")},
    # Django gives its own logger a console handler too; without this every Django line would print twice.
    # Its request loggers name the path, which for the calendar feed holds a secret.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["calendar_secrets"]},
        "django.server": {"filters": ["calendar_secrets"]},
    },
}

# Demo data: the password of the demo logins that `manage.py seed_demo` creates.
DEMO_PASSWORD_DEFAULT = "shuozhou-demo-2026"

# Language names for forms and mails that need them outside a request.
LANGUAGE_LABELS = {"zh-hans": _("Simplified Chinese"), "en": _("English")}

# How many proxies in front of gunicorn append to X-Forwarded-For. 0 (gunicorn reached directly): the header is
# ignored, since any client can write it. 1 behind the one nginx of docker-compose.yml and deploy/nginx/. N: the
# client address is the Nth entry from the right, the one the outermost proxy added. Every client address
# (throttles, sign-in lockout) follows this one setting.
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)

# The delegates' REST API (api/, DESIGN §6).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",  # knox's, refusing non-ASCII tokens with 401
        "rest_framework.authentication.SessionAuthentication",  # the browsable API, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.renderers.BrowsableAPIRenderer",  # DRF's, without an inline <style> (the CSP below)
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ProposalCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",  # DRF's, counting in the process while the cache is down
        "api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/minute"),
        "user": env_rate("API_THROTTLE_USER", "1200/minute"),
        # Password guessing: per client address, on the token endpoint.
        "login": env_rate("API_THROTTLE_LOGIN", "10/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Largest JSON body the API reads; bigger ones are refused with 413 before they are parsed.
API_MAX_JSON_BYTES = env_int("API_MAX_JSON_BYTES", 1024 * 1024, minimum=64 * 1024)
API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24 * 7, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Youth proposal tracker API",
    "DESCRIPTION": (
        "Delegates (deputies and CPPCC members) review the proposals assigned to them; secretaries and "
        "coordinators may use it too. Authenticate with `POST /api/v1/auth/token/` and send "
        "`Authorization: Token <token>`. Every error is an RFC 9457 problem document (`application/problem+json`) "
        "with a stable `code`; refused workflow actions name the guard that failed. Writes honour `If-Match` "
        "with the `ETag` of the proposal; editing the text requires it."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: Swagger UI would fetch it from a public host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": True},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ProposalState": "proposals.workflow.State",
        "ProposalKind": "proposals.models.Proposal.Kind",
        "CommentKind": "proposals.models.Comment.Kind",
        "ReminderKind": "proposals.models.Reminder.Kind",
        "NoticeMode": "proposals.models.NoticeMode",
        "UnitRole": "proposals.workflow.UnitRole",
        "AnswerMethod": "proposals.workflow.AnswerMethod",
        "AnswerClass": "proposals.workflow.AnswerClass",
        "HandlingStatus": "proposals.workflow.HandlingStatus",
        "ExtensionMonths": "proposals.workflow.ExtensionMonths",
        "HandlingUnitLevel": "proposals.models.HandlingUnit.Level",
        "NeedStatus": "proposals.models.Need.Status",
        "NeedChannel": "proposals.models.Need.Channel",
        "NeedAgeGroup": "proposals.models.Need.AgeGroup",
        "NeedGroup": "proposals.models.Need.Group",
        "NeedEventAction": "proposals.models.NeedEvent.Action",
        "NeedTriageAction": ["accept", "merge", "decline", "forward", "link", "unlink"],
    },
}

# --- Sign-in lockout (django-axes; tracker/signin.py) ---------------------------------------------------------
# Every authenticate() counts: the web sign-in, the admin's and the API's token endpoint. After
# SIGNIN_FAILURE_LIMIT failures for one account, or from one client address, that account or address is refused
# (the right password too) until SIGNIN_LOCKOUT_MINUTES have passed since its last attempt. Operators read every
# attempt in the admin (Axes: access attempts, failures and logs) and unlock with `manage.py axes_reset`.
INSTALLED_APPS += ["axes"]
# Last, so that it sees the sign-in view's answer and the request's language is still active.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one: per account, and per address
# A success must not wipe an address's failures: one could then guess 4 passwords of each account between
# sign-ins to one's own. Failures expire with the cool-off instead.
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # each failure with its address and time, not only a count per account
AXES_LOCKOUT_CALLABLE = "tracker.signin.locked_out"
AXES_CLIENT_IP_CALLABLE = "tracker.signin.client_address"
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are logged all the same

# --- Content-Security-Policy (django-csp) on every response --------------------------------------------------
# Nothing inline runs or styles: every script and style sheet is a file served from here (the docs' start-up
# code included, api/urls.py). Two exceptions, each allowed by hash, so only exactly that text passes:
# - the fixed style="..." attributes of DRF's browsable API templates ('unsafe-hashes' admits these values only,
#   not inline style at large; read from the installed DRF, see tracker/content_security.py);
# - Redoc's own <style> elements, on its page only (api/urls.py), where its search also runs in a blob: worker.
# Swagger UI and Redoc draw icons as data: images.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
INSTALLED_APPS += ["csp"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": [
            "'unsafe-hashes'",
            *style_attribute_hashes(Path(rest_framework.__file__).parent / "templates" / "rest_framework"),
        ],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Installed from the wheel (docs/operations.md; #17 item 4) ------------------------------------------------
# A checkout reads the catalogue from locale/. The wheel installs it as data under
# <prefix>/share/youth-proposal-tracker/locale/ (pyproject.toml), locale/ being outside the packages. An installed
# tracker keeps its run-time files where TRACKER_VAR_DIR says (the systemd units: /var/lib/tracker).
_INSTALLED_LOCALE = Path(sys.prefix) / "share" / "youth-proposal-tracker" / "locale"
if not (BASE_DIR / "locale").is_dir() and _INSTALLED_LOCALE.is_dir():
    LOCALE_PATHS = [_INSTALLED_LOCALE]

# --- Backups (tracker/backup.py; `manage.py backup`, `manage.py restore ARCHIVE`) -------------------------------
# One .tar.gz per backup in BACKUP_DIR: the database (pg_dump on PostgreSQL, else dumpdata), MEDIA_ROOT's files and
# a manifest (rows per table, sha256 per file). The newest BACKUP_KEEP archives stay, older ones are removed.
# Beat makes one daily at BACKUP_HOUR (TIME_ZONE) only when BACKUP_DIR is set; the command works without it.
_backup_dir = env_str("BACKUP_DIR", "")
BACKUP_DIR = Path(_backup_dir or VAR_DIR / "backups")
BACKUP_KEEP = env_int("BACKUP_KEEP", 7, minimum=1)
BACKUP_HOUR = env_int_between("BACKUP_HOUR", 2, 0, 23)
if _backup_dir:
    CELERY_BEAT_SCHEDULE["daily-backup"] = {
        "task": "proposals.tasks.make_backup",
        "schedule": crontab(hour=BACKUP_HOUR, minute=41),
    }

# --- Housekeeping (proposals/services/housekeeping.py), daily on beat at night --------------------------------
# Expired sessions and API tokens go the night after they expire. A finished batch export (its .zip and its row)
# goes EXPORT_RETENTION_DAYS after it finished; sent, failed and cancelled outbox rows (reminders, notices, the
# needs' replies, meeting notices) OUTBOX_RETENTION_DAYS after they were sent or due. Pending rows never go.
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 14, minimum=1)
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 365, minimum=30)
for _job, _minute in [("remove_expired_sessions", 23), ("remove_expired_api_tokens", 27), ("remove_old_exports", 31),
                      ("remove_old_outbox_rows", 35)]:  # fmt: skip
    CELERY_BEAT_SCHEDULE[_job.replace("_", "-")] = {
        "task": f"proposals.tasks.{_job}",
        "schedule": crontab(hour=3, minute=_minute),
    }

# --- Liveness and readiness (tracker/health.py: /healthz/live, /healthz/ready; the admin's status page) --------
# Readiness fails when no outbox sweep ran for HEALTH_BEAT_INTERVALS × REMINDER_SWEEP_SECONDS (beat, or every
# worker, is gone) or when no worker answers a ping within HEALTH_WORKER_PING_SECONDS.
HEALTH_BEAT_INTERVALS = env_int("HEALTH_BEAT_INTERVALS", 3, minimum=2)
HEALTH_WORKER_PING_SECONDS = env_int("HEALTH_WORKER_PING_MS", 1000, minimum=100) / 1000

# --- Logs, request ids and error mails (tracker/request_id.py) -----------------------------------------------
# Every line goes to stdout, as plain text or (LOG_FORMAT=json) one JSON object a line, with the request id
# (X-Request-ID, accepted from the proxy or made here, echoed in the response and carried into the tasks a
# request queues). ADMINS ("Name <address>, ...") receive Django's mail of every server error (500) in
# production: the "django" logger keeps Django's mail_admins handler.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", {"plain", "json"})
ADMINS = env_admins("ADMINS")
MIDDLEWARE.insert(0, "tracker.request_id.RequestIdMiddleware")
LOGGING["formatters"] = {
    # With the zone's offset, as gunicorn writes its own lines (gunicorn.conf.py puts both in TIME_ZONE).
    "plain": {
        "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
        "datefmt": "%Y-%m-%d %H:%M:%S %z",
    },
    "json": {"()": "tracker.request_id.JsonFormatter"},
}
LOGGING["filters"]["request_id"] = {"()": "tracker.request_id.RequestIdFilter"}
LOGGING["filters"]["require_debug_false"] = {"()": "django.utils.log.RequireDebugFalse"}
LOGGING["handlers"] = {
    "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": LOG_FORMAT,
                "filters": ["request_id"]},
    "mail_admins": {"level": "ERROR", "filters": ["require_debug_false"],
                    "class": "django.utils.log.AdminEmailHandler"},
}  # fmt: skip
LOGGING["loggers"]["django"] = {"handlers": ["mail_admins"], "propagate": True}


# --- Media on S3-compatible storage (django-storages; #17 item 10), off unless MEDIA_S3_BUCKET is set ---------
# Evidence, meeting files, answer letters and export archives then go to an office's MinIO or Ceph (or S3)
# instead of MEDIA_ROOT. The objects stay private: no ACL is sent (the bucket's own, private, applies) and no page
# links to the store; every file is downloaded through the tracker's permission-checked views, which stream it
# from the store (tracker/media.py). Backups read and write the files through the same storage.
MEDIA_S3_BUCKET = env_str("MEDIA_S3_BUCKET", "").strip()
_MEDIA_S3_VARIABLES = ["MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_ACCESS_KEY_ID_FILE",
                       "MEDIA_S3_SECRET_ACCESS_KEY", "MEDIA_S3_SECRET_ACCESS_KEY_FILE", "MEDIA_S3_REGION",
                       "MEDIA_S3_ADDRESSING_STYLE", "MEDIA_S3_PREFIX"]  # fmt: skip
if MEDIA_S3_BUCKET:
    _s3_key_id = env_secret("MEDIA_S3_ACCESS_KEY_ID", "")
    _s3_secret = env_secret("MEDIA_S3_SECRET_ACCESS_KEY", "")
    if not (_s3_key_id and _s3_secret):
        raise ImproperlyConfigured(
            "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY (or their _FILE) are both required with "
            "MEDIA_S3_BUCKET."
        )
    _s3_endpoint = env_str("MEDIA_S3_ENDPOINT_URL", "").strip()
    if _s3_endpoint:
        env_url("MEDIA_S3_ENDPOINT_URL", _s3_endpoint, schemes={"http", "https"})
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": _s3_endpoint or None,  # None: Amazon S3 itself
            "access_key": _s3_key_id,
            "secret_key": _s3_secret,
            "region_name": env_str("MEDIA_S3_REGION", "").strip() or None,
            # path: https://minio.example.org/BUCKET/KEY, which needs no DNS name per bucket (the intranet's usual).
            "addressing_style": env_choice("MEDIA_S3_ADDRESSING_STYLE", "path", {"path", "virtual", "auto"}),
            "location": env_str("MEDIA_S3_PREFIX", "").strip().strip("/"),
            "signature_version": "s3v4",
            "default_acl": None,  # never public-read: the bucket's private ACL applies
            "querystring_auth": True,  # a URL of the store, were one ever made, would be signed and short-lived
            "querystring_expire": 300,
            "file_overwrite": False,  # two uploads of one name keep both, as on the file system
            "max_memory_size": 2 * 1024 * 1024,  # larger files read whole (backups) spill to a temporary file
        },
    }
elif _s3_set := [name for name in _MEDIA_S3_VARIABLES if name in os.environ]:
    raise ImproperlyConfigured(f"{_s3_set[0]} is set but MEDIA_S3_BUCKET is not; set both, or neither.")

# --- Error reports (sentry-sdk; tracker/error_reporting.py), off unless SENTRY_DSN is set --------------------
# To a self-hosted Sentry or GlitchTip on the intranet: unhandled errors of the web and of the tasks, each tagged
# with its request id, without personal data (no cookies, user, client address, request bodies or local variables).
SENTRY_DSN = env_sentry_dsn("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", TRACKER_ENV).strip() or TRACKER_ENV
SENTRY_TRACES_SAMPLE_RATE = env_fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)
if SENTRY_DSN:
    from tracker import error_reporting

    error_reporting.start(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# --- Prometheus metrics (django-prometheus; tracker/metrics.py), off unless PROMETHEUS_METRICS=true ----------
# /metrics answers only clients in PROMETHEUS_ALLOWED_NETWORKS (the client address as NUM_PROXIES reads it), and
# the nginx sites of deploy/ refuse it from outside: Prometheus scrapes gunicorn directly. Off, neither the
# middleware nor the URL exists. The database and cache keep their own engines (no django-prometheus wrappers).
PROMETHEUS_METRICS = env_bool("PROMETHEUS_METRICS", False)
PROMETHEUS_ALLOWED_NETWORKS = env_networks("PROMETHEUS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
PROMETHEUS_EXPORT_MIGRATIONS = False  # it would query the database at every start
if PROMETHEUS_METRICS:
    INSTALLED_APPS += ["django_prometheus"]
    # Scraped over plain HTTP from gunicorn's own address, like the health probes: no redirect to HTTPS.
    SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^metrics$"]
    # First and (but for axes, which must see the sign-in view's answer) last, as django-prometheus asks.
    MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE]
    MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"),
                      "django_prometheus.middleware.PrometheusAfterMiddleware")  # fmt: skip
