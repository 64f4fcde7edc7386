"""Settings, every one read from the environment (see .env.example and the README).

Without DATABASE_URL the platform uses a SQLite file; without CELERY_BROKER_URL
Celery tasks run eagerly in-process. Both are meant for the demo and newcomers;
production sets both.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import (
    env_bool,
    env_broker,
    env_database,
    env_email_url,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# The insecure default is flagged by `manage.py check --deploy`; production sets its own.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-dev-only-change-me-in-production-0123456789")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Unexpected value SECRET_KEY: use at least 32 random characters.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "cxplatform",
    "accounts",
    "customers",
    "textanalysis",
    "feedback",
    "journeys",
    "reputation",
    "metrics",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cxplatform.middleware.RefuseNulInQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A database connection lost mid-request: a clean 503 with Retry-After, not a 500.
    "cxplatform.middleware.DatabaseUnavailableMiddleware",
    # Last, as axes requires: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxplatform.urls"
WSGI_APPLICATION = "cxplatform.wsgi.application"
ASGI_APPLICATION = "cxplatform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE for <html lang>: the language each page is shown in.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.current_business",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 5, minimum=1
    )
    # PostgreSQL's JIT compiles any query it guesses is costly, spending ~10 ms per query
    # on the short aggregates a page runs: it doubled the journey map's time. Pages here
    # are many small queries, never the long analytic ones JIT pays off for.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Question positions use a deferrable unique constraint so reordering can swap them in
# one transaction; SQLite (demo and newcomers only) cannot defer it and skips it.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# --- Cache and sessions -----------------------------------------------------
REDIS_CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in brute force (django-axes): the standalone backend only refuses locked-out
# tries; ModelBackend checks the password. See accounts/lockout.py.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# E-mail and address together: one guesser is stopped, the rest of the shop's Wi-Fi is not.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
# The client address is REMOTE_ADDR, as for the public rate limits (feedback/antiabuse.py).

# --- Security ----------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
# No script reads either cookie (forms carry the CSRF token), and Lax keeps them off
# cross-site posts and sub-requests while links from e-mails still find the session.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every page but the survey embed, which lets exactly the business's own sites frame it
# (feedback/channels/views.py: frameable).
X_FRAME_OPTIONS = "DENY"
# Public survey bodies are small; anything larger is refused with 413 before parsing.
PUBLIC_BODY_MAX_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Public survey submissions: per client IP and per survey ("" turns a limit off).
PUBLIC_RATE_PER_IP = env_rate("PUBLIC_RATE_PER_IP", "30/m")
PUBLIC_RATE_PER_SURVEY = env_rate("PUBLIC_RATE_PER_SURVEY", "600/m")
# A person needs a moment to answer; a form sent back faster is asked again.
PUBLIC_FORM_MIN_SECONDS = env_int("PUBLIC_FORM_MIN_SECONDS", 2)
PUBLIC_FORM_MAX_AGE_SECONDS = env_int("PUBLIC_FORM_MAX_AGE_SECONDS", 24 * 3600, minimum=60)

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (served by the app itself: no CDN) -------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (demo, tests) files are served straight from the app folders.
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------
_email = env_email_url("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CX Platform <noreply@localhost>")
# Links in e-mails point here (e-mails are sent by workers, which see no request).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsBusinessMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON that would fail to store or echo (lone surrogates, absurd nesting) is a 400.
    "DEFAULT_PARSER_CLASSES": ["cxplatform.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "cxplatform.pagination.NewestFirstPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cxplatform.errors.api_exception_handler",
    # Documents each operation's error answers too (400/401/403/404, one error shape).
    "DEFAULT_SCHEMA_CLASS": "cxplatform.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CX Platform API",
    "DESCRIPTION": "Feedback, sentiment and trust KPIs for small businesses. "
    "Authenticate with a session or an `Authorization: Api-Key <key>` header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Swagger UI would fetch a validity badge from validator.swagger.io: nothing leaves the app.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ResponseChannelEnum": "feedback.models.Channel",
        "InteractionChannelEnum": "feedback.models.InteractionChannel",
        "CaseStatusEnum": "feedback.models.CaseStatus",
        "SurveyStatusEnum": "feedback.models.SurveyStatus",
        "ImportStatusEnum": "customers.models.ImportStatus",
        "InvitationStatusEnum": "feedback.models.InvitationStatus",
        "CaseReasonEnum": "feedback.models.CaseReason",
        "ReviewRequestStatusEnum": "reputation.models.RequestStatus",
    },
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env_broker("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, Celery still needs a URL; /healthz reports this one as "eager".
IN_PROCESS_BROKER = "memory://localhost/"
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = IN_PROCESS_BROKER
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# How long a thread of a threads-pool scoring worker keeps the interpreter before another
# may take it, in ms (Python's default: 5); see cxplatform.celery.longer_thread_turns.
WORKER_SWITCH_INTERVAL_MS = env_int("WORKER_SWITCH_INTERVAL_MS", 100, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30 if CELERY_TASK_TIME_LIMIT > 60 else None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task not acknowledged within this time (its worker died) is delivered again.
# Every retry delay and the time limit must stay below it (tests/reliability checks).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
}
# A task whose worker dies under it this many times in a row is dead-lettered instead
# of being delivered forever (cxplatform/deadletters.py).
TASK_MAX_DELIVERIES = env_int("TASK_MAX_DELIVERIES", 5, minimum=1)
# A request must never hang on a dead broker: publish tries briefly, then the
# row stays unprocessed and the sweeper picks it up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "textanalysis.tasks.*": {"queue": "scoring"},
    # Filing a submission's answers comes first in scoring them (feedback.filing).
    "feedback.tasks.file_answers": {"queue": "scoring"},
    "feedback.tasks.sweep_unfiled_answers": {"queue": "scoring"},
    "reputation.tasks.*": {"queue": "polling"},
    "*.send_*": {"queue": "email"},
    "metrics.tasks.*": {"queue": "rollups"},
    "journeys.tasks.*": {"queue": "rollups"},
}
CELERY_BEAT_SCHEDULE = {
    "send-due-invitations": {
        "task": "feedback.channels.tasks.send_due_invitations",
        "schedule": env_int("INVITATION_INTERVAL_SECONDS", 60, minimum=10),
    },
    "sweep-unfiled-answers": {
        "task": "feedback.tasks.sweep_unfiled_answers",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=5),
    },
    "sweep-unscored-texts": {
        "task": "textanalysis.tasks.sweep_unscored",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=5),
    },
    "journey-rollups-advance": {
        "task": "journeys.tasks.rollups_advance",
        # Today's voices are summed from raw rows from the last run on: a few minutes'.
        "schedule": env_int("ROLLUP_ADVANCE_SECONDS", 300, minimum=60),
    },
    "journey-rollups-rebuild": {
        "task": "journeys.tasks.rollups_rebuild_all",
        "schedule": env_int("ROLLUP_REBUILD_SECONDS", 24 * 3600, minimum=3600),
    },
    "purchase-rollups-rebuild": {
        "task": "metrics.tasks.purchase_rollups_rebuild_all",
        "schedule": env_int("ROLLUP_REBUILD_SECONDS", 24 * 3600, minimum=3600),
    },
    "clv-fits": {
        "task": "metrics.tasks.clv_fit_all",
        "schedule": env_int("CLV_FIT_SECONDS", 24 * 3600, minimum=3600),
    },
    "poll-due-review-sources": {
        "task": "reputation.tasks.poll_due_sources",
        "schedule": env_int("REVIEW_POLL_TICK_SECONDS", 60, minimum=5),
    },
    "send-due-review-requests": {
        "task": "reputation.review_requests.send_due_review_requests",
        "schedule": env_int("INVITATION_INTERVAL_SECONDS", 60, minimum=10),
    },
    "sweep-undelivered-alerts": {
        "task": "textanalysis.tasks.sweep_alerts",
        "schedule": env_int("SWEEP_INTERVAL_SECONDS", 60, minimum=5),
    },
    "retention-anonymise": {
        "task": "privacy.tasks.retention_sweep",
        "schedule": env_int("RETENTION_SWEEP_SECONDS", 24 * 3600, minimum=3600),
    },
}

# --- Outbound requests and secrets at rest ------------------------------------------
# Fetching a URL a user typed (review APIs, feeds): loopback only for tests and the
# demo, whose provider servers run on 127.0.0.1; private addresses never.
OUTBOUND_ALLOW_LOOPBACK = env_bool("OUTBOUND_ALLOW_LOOPBACK", False)
OUTBOUND_TIMEOUT_SECONDS = env_int("OUTBOUND_TIMEOUT_SECONDS", 15, minimum=1)
OUTBOUND_MAX_BYTES = env_int("OUTBOUND_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Fernet keys, newest first (see cxplatform/vault.py); empty: derived from SECRET_KEY.
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS", [])
for _key in SECRETS_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "Unexpected value in SECRETS_ENCRYPTION_KEYS: each key must be 32 url-safe "
            "base64-encoded bytes (make one with Fernet.generate_key())."
        ) from None

# --- Reputation ---------------------------------------------------------------------
# A review source is polled every this many minutes unless its owner chose otherwise.
REPUTATION_DEFAULT_POLL_MINUTES = env_int("REPUTATION_DEFAULT_POLL_MINUTES", 60, minimum=5)
# "Connect with Google" for Google Business Profile sources: the platform's own OAuth
# client (Google Cloud console, a "Web application" whose redirect URI is
# SITE_URL + /reviews/sources/google/callback/). Empty: owners paste credentials by hand.
GOOGLE_OAUTH_CLIENT_ID = env_str("GOOGLE_OAUTH_CLIENT_ID", "")
GOOGLE_OAUTH_CLIENT_SECRET = env_str("GOOGLE_OAUTH_CLIENT_SECRET", "")
GOOGLE_OAUTH_AUTHORIZE_URL = env_str(
    "GOOGLE_OAUTH_AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"
)
GOOGLE_OAUTH_TOKEN_URL = env_str("GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token")

# --- Content security policy (django-csp) ----------------------------------------
# The app's pages load only their own scripts, styles and images. Templates hold no
# inline script or on*= handler (tests/security/test_hardening_csp.py keeps it so), and
# no <style> element. Inline style="" attributes are allowed (style-src-attr): bar
# widths and shares are data, and a style attribute cannot run script or fetch from
# anywhere img-src does not allow. The survey embed replaces frame-ancestors with the
# business's sites; the API docs need no exception (cxplatform/apidocs.py).
_csp_form_actions = ["'self'"]
if GOOGLE_OAUTH_CLIENT_ID:
    # "Connect with Google" posts to us and we redirect to Google's consent page; browsers
    # hold that redirect to form-action too.
    _google = urlsplit(GOOGLE_OAUTH_AUTHORIZE_URL)
    _csp_form_actions.append(f"{_google.scheme}://{_google.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": _csp_form_actions,
        "frame-ancestors": ["'none'"],
    }
}

# --- Text analysis --------------------------------------------------------------
# What each app does with rows freshly scored negative:
# "app.Model" -> "dotted.path(written={id: when the text was written, ...})".
TEXTANALYSIS_AFTER_SCORING = {
    "feedback.Answer": "feedback.cases.services.cases_open_for_negative_answers",
    "feedback.Interaction": "feedback.cases.services.cases_open_for_negative_interactions",
}
# Who hears, after each batch scored, when the oldest text of each business in it was
# written: "dotted.path(oldest={business_id: datetime})".
TEXTANALYSIS_AFTER_SCORES = ["journeys.rollups.rollup_take_in_late"]
# Who hears that a business's texts were all scored again: "dotted.path(business_id=...)".
TEXTANALYSIS_AFTER_RESCORE = ["journeys.tasks.rollup_rebuild_later"]
# Who adds up the journey roll-up further, inside the transaction of each journey build,
# so their own roll-up is never behind it (metrics' rebuild_kpi_rollups runs them all):
# "dotted.path(business=..., first=<the first day rebuilt; None: every day>)".
JOURNEYS_AFTER_BUILD = [
    "metrics.kpi_rollup.kpi_days_follow",
    "metrics.resolve_times.resolved_days_follow",
]
# Who hears that a business's purchases changed (after the commit):
# "dotted.path(business_id=..., purchases=<how many>)".
CUSTOMERS_AFTER_PURCHASES = ["metrics.tasks.purchases_changed"]
# Who hands back a removed member's work, inside the removal's transaction:
# "dotted.path(business_id=..., user_id=...)" returning how many things it released.
ACCOUNTS_AFTER_MEMBER_REMOVED = ["feedback.cases.services.cases_of_removed_member_release"]
# Who keeps figures by the business's local day, and rebuilds them after the commit of
# a change of its time zone: "dotted.path(business_id=...)".
ACCOUNTS_AFTER_TIME_ZONE_CHANGE = [
    "journeys.tasks.rollup_rebuild_later",
    "metrics.tasks.purchase_rollup_rebuild_later",
]

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # One line per finished task drowns everything else, in-process (eager) above all.
    "loggers": {"celery.app.trace": {"level": env_str("TASK_LOG_LEVEL", "WARNING")}},
}
