"""Django settings for jingzhun, built from ``JINGZHUN_*`` environment variables (see docs/configuration.md).

There is one settings module. ``JINGZHUN_ENV`` selects the defaults that differ between a production server,
a developer's machine, the demo and the test suite; everything else is read the same way in all four.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jingzhun.env import env_bool, env_choice, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout root when running from source (src layout); holds var/ and node_modules/ by default.
PROJECT_DIR = PACKAGE_DIR.parent.parent

ENV = env_choice("JINGZHUN_ENV", ("production", "development", "demo", "test"), "production")
PRODUCTION = ENV == "production"

DATA_DIR = Path(env_str("JINGZHUN_DATA_DIR", str(PROJECT_DIR / "var")) or "var").resolve()

DEBUG = env_bool("JINGZHUN_DEBUG", default=ENV == "development")

_INSECURE_KEY = "django-insecure-jingzhun-not-for-production"
SECRET_KEY = env_str("JINGZHUN_SECRET_KEY", required=PRODUCTION) or _INSECURE_KEY
if PRODUCTION and SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured("JINGZHUN_SECRET_KEY must be a real secret in production.")

ALLOWED_HOSTS = env_list(
    "JINGZHUN_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("JINGZHUN_CSRF_TRUSTED_ORIGINS")

# The demo gets a database of its own, so `jingzhun demo` never touches real data.
_DEFAULT_DB_FILE = DATA_DIR / ("demo.sqlite3" if ENV == "demo" else "jingzhun.sqlite3")
DATABASE_URL = env_str("JINGZHUN_DATABASE_URL", f"sqlite:///{_DEFAULT_DB_FILE}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("JINGZHUN_DB_CONN_MAX_AGE", 60))
except ValueError as exc:  # unknown scheme, malformed URL
    raise ImproperlyConfigured(f"JINGZHUN_DATABASE_URL is not a usable database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers continue while an import writes; IMMEDIATE avoids deadlocks between two writers
    # that both start as readers; the timeout (seconds) makes a writer wait instead of failing at once.
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # A 128 MB page cache and in-memory temporary tables: checks and imports over a county's registry.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("JINGZHUN_SQLITE_TIMEOUT", 20),
    }
    # Tests use a file too (not Django's shared in-memory database, whose locks fail at once instead of
    # waiting): browser tests load fragments concurrently from the live server's threads, as real browsers do.
    # One file per process, so two test sessions in one checkout never share a database.
    _db["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"jingzhun-test-{os.getpid()}.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
else:
    raise ImproperlyConfigured(
        f"JINGZHUN_DATABASE_URL uses {_db['ENGINE']}; jingzhun supports sqlite:/// and postgresql://."
    )
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    # Before django_tasks_db: core's db_worker (the same worker, with a heartbeat and a sweep of stopped runs)
    # takes the place of the backend's own.
    "jingzhun.core",
    "django_tasks",
    "django_tasks_db",  # the database task backend: its result table and the worker it runs
    "jingzhun.accounts",
    "jingzhun.registry",
    "jingzhun.importer",
    "jingzhun.standards",
    "jingzhun.audit",
    "jingzhun.ledger",
    "jingzhun.campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jingzhun.core.middleware.ChineseUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jingzhun.audit.context.AuditUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

# Failed logins are counted per user name and address: 5 in a row lock that pair out for 15 minutes.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("JINGZHUN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("JINGZHUN_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked.html"
AXES_VERBOSE = False

# No inline scripts or styles anywhere: pages load their JS and CSS from static files (data via json_script).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "jingzhun.urls"
WSGI_APPLICATION = "jingzhun.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # memory-hard; the others only verify old hashes
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if ENV == "test":
    # Hashing at full cost would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Chinese first; English for visitors and the international team.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("JINGZHUN_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
NODE_MODULES = Path(env_str("JINGZHUN_NODE_MODULES", str(PROJECT_DIR / "node_modules")) or "")
# Front-end libraries come from npm (package-lock.json pins them); only their dist folders are served.
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / name / "dist")
    for name in ("htmx.org", "echarts")
    if (NODE_MODULES / name / "dist").is_dir()
]
STATICFILES_DIRS.append(("jingzhun", PACKAGE_DIR / "static" / "jingzhun"))  # jingzhun's own CSS and JS
# Uploaded files (ledger evidence) go under the data directory, or to S3-compatible object storage when a bucket
# is configured (django-storages' S3 backend: pip install 'jingzhun[s3]'; credentials from the usual AWS_* env).
_S3_BUCKET = env_str("JINGZHUN_S3_BUCKET", "")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _S3_BUCKET,
                "endpoint_url": env_str("JINGZHUN_S3_ENDPOINT_URL", "") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, whitenoise serves straight from the apps and node_modules (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at every start when it is missing
WHITENOISE_AUTOREFRESH = ENV == "development"
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_AGE = env_int("JINGZHUN_SESSION_SECONDS", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last request (inactivity), not from login
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # Behind a TLS proxy (nginx) that sets X-Forwarded-Proto; plain HTTP is redirected, except the health check.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("JINGZHUN_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("JINGZHUN_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("JINGZHUN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("JINGZHUN_HSTS_PRELOAD", True)

# Request bodies: forms are small; uploads (registry files, evidence) are checked by core.uploads.validate_upload.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("JINGZHUN_MAX_FORM_BYTES", 5 * 1024 * 1024)
MAX_UPLOAD_BYTES = env_int("JINGZHUN_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads go to a temporary file, not memory

# Background tasks (check runs): queued in the database and run by `jingzhun db_worker`, which `jingzhun serve`
# starts beside the web server. The test suite runs every task at once, in the process that enqueues it.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend" if ENV == "test" else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# Liveness of background runs (imports, reconciliations, check runs; jingzhun.core.liveness): a running job touches
# a heartbeat file under DATA_DIR every TASK_HEARTBEAT_SECONDS (from a thread, so also during one long statement);
# a run whose heartbeat is older than TASK_STALE_SECONDS is reported as stopped (its process ended) and marked
# failed, which lets a new run start. The worker touches a file of its own, so a page can say that none is running.
TASK_HEARTBEAT_SECONDS = env_int("JINGZHUN_TASK_HEARTBEAT_SECONDS", 10)
TASK_STALE_SECONDS = env_int("JINGZHUN_TASK_STALE_SECONDS", 120)
if not 0 < 3 * TASK_HEARTBEAT_SECONDS <= TASK_STALE_SECONDS:
    raise ImproperlyConfigured("JINGZHUN_TASK_STALE_SECONDS must be at least 3 x JINGZHUN_TASK_HEARTBEAT_SECONDS")

# Check runs on SQLite: 0 lets a run split over two cores (a forked process) when a core is idle; 1 keeps every run
# in one process, 2 always splits (docs/performance.md).
CHECK_SQLITE_WORKERS = env_int("JINGZHUN_CHECK_WORKERS", 0)
if CHECK_SQLITE_WORKERS not in (0, 1, 2):
    raise ImproperlyConfigured("JINGZHUN_CHECK_WORKERS must be 0 (automatic), 1 or 2")

# The problem ledger: default deadlines by severity (days from when a problem is found), evidence files, reminders.
LEDGER_DEADLINE_DAYS = {
    "high": env_int("JINGZHUN_LEDGER_DAYS_HIGH", 15),
    "medium": env_int("JINGZHUN_LEDGER_DAYS_MEDIUM", 30),
    "low": env_int("JINGZHUN_LEDGER_DAYS_LOW", 60),
}
LEDGER_EVIDENCE_REQUIRED = env_bool("JINGZHUN_LEDGER_EVIDENCE_REQUIRED", True)
LEDGER_EVIDENCE_MAX_BYTES = env_int("JINGZHUN_LEDGER_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
LEDGER_DUE_SOON_DAYS = env_int("JINGZHUN_LEDGER_DUE_SOON_DAYS", 3)

# Household list pages.
REGISTRY_PAGE_SIZE = env_int("JINGZHUN_PAGE_SIZE", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JINGZHUN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

# Labels used in settings-level messages need lazy translation to load before apps are ready.
SITE_TITLE = _("jingzhun targeted poverty monitoring")
