"""Cutflow settings. Every value comes from the environment; the defaults run offline."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CUTFLOW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("CUTFLOW_ALLOW_DEV_KEY"):
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development key).")
    SECRET_KEY = "django-insecure-development-key-only-for-local-use"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    # Before django_q: cutflow's qcluster command (stops on a group SIGTERM) replaces its own.
    "cutflow",
    "django_q",
    "allauth",
    "allauth.account",
    "projects",
    "characters",
    "keyframes",
    "credits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Every page needs a signed-in user unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "cutflow.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "cutflow.urls"
WSGI_APPLICATION = "cutflow.wsgi.application"

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
                "credits.context_processors.credit_badge",
                "projects.context_processors.autosave_timing",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "cutflow.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web process and the worker share this file: WAL plus IMMEDIATE transactions and a
    # busy timeout keep either from ever seeing "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_TIMEOUT_SECONDS = int(os.environ.get("Q_TIMEOUT_SECONDS", "600"))
Q_CLUSTER = {
    # The queue every cluster of one deployment shares (its Redis key).
    "name": os.environ.get("Q_QUEUE_NAME", "cutflow"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": Q_TIMEOUT_SECONDS,
    # django-q2 re-queues a task after `retry` seconds; it must outlast `timeout`.
    "retry": Q_TIMEOUT_SECONDS + 60,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 500,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = float(os.environ.get("Q_POLL_SECONDS", "0.3"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Q_CLUSTER["sync"] = env_bool("Q_SYNC")
# A cluster told to stop waits this long for a sentinel that got the signal too to end on its
# own (cutflow/management/commands/qcluster.py); one still alive then is stopped in order.
Q_SENTINEL_GRACE_SECONDS = float(os.environ.get("Q_SENTINEL_GRACE_SECONDS", "3"))

# --- Auth (django-allauth, e-mail and password) -------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "projects:list"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory: only then can sign-up answer a taken e-mail exactly as a new one (allauth mails
# the owner instead), so the form never says who has an account.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "credits.account_adapter.CreditGrantingAccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/h/ip"}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cutflow <noreply@cutflow.local>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Static and media ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# The animatic export (MP4): the long side of its frame in pixels (the short side follows the
# project's aspect ratio) and its frame rate.
ANIMATIC_LONG_SIDE = int(os.environ.get("ANIMATIC_LONG_SIDE", "1280"))
ANIMATIC_FPS = int(os.environ.get("ANIMATIC_FPS", "24"))
# Exports are private: no URL serves this storage; the owner-checked download view reads it.
EXPORT_EXPIRY_SECONDS = int(os.environ.get("EXPORT_EXPIRY_SECONDS", str(24 * 3600)))
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["exports"] = {
        "BACKEND": STORAGES["default"]["BACKEND"],
        "OPTIONS": STORAGES["default"]["OPTIONS"] | {"location": "private-exports"},
    }
else:
    STORAGES["exports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("EXPORTS_ROOT", VAR_DIR / "exports"))},
    }
# Local media is served by Django (unguessable names, safe headers); S3 serves its own.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=not AWS_STORAGE_BUCKET_NAME)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # htmx adds a small <style> for its request indicators.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: " + os.environ.get("CSP_IMG_SRC_EXTRA", ""),
        # Takes (MP4) are stored where the images are.
        "media-src 'self' " + os.environ.get("CSP_IMG_SRC_EXTRA", ""),
        "connect-src 'self'",
        "form-action 'self' https://checkout.stripe.com",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Image providers ----------------------------------------------------------
REPLICATE_API_TOKEN = os.environ.get("REPLICATE_API_TOKEN", "")
REPLICATE_BASE_URL = os.environ.get("REPLICATE_BASE_URL", "https://api.replicate.com/v1")
# A prediction create answers at once (no `Prefer: wait`); one lost for longer is looked up.
REPLICATE_CREATE_TIMEOUT_SECONDS = float(os.environ.get("REPLICATE_CREATE_TIMEOUT_SECONDS", "15"))
FAL_KEY = os.environ.get("FAL_KEY", "")
GEMINI_API_KEY = os.environ.get("GEMINI_API_KEY", "")
GEMINI_BASE_URL = os.environ.get("GEMINI_BASE_URL", "")
PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("PROVIDER_TIMEOUT_SECONDS", "120"))
PROVIDER_MAX_RETRIES = int(os.environ.get("PROVIDER_MAX_RETRIES", "3"))
PROVIDER_RETRY_BASE_DELAY = float(os.environ.get("PROVIDER_RETRY_BASE_DELAY", "1.0"))
# A deployment may re-route a model, e.g. {"flux-2-flash": {"provider": "replicate", ...}}.
MODEL_ROUTES: dict = {}
# How many candidate calls may be in flight at once, per provider, across all workers.
PROVIDER_CONCURRENCY = {
    "replicate": int(os.environ.get("REPLICATE_CONCURRENCY", "8")),
    "fal": int(os.environ.get("FAL_CONCURRENCY", "8")),
    "gemini": int(os.environ.get("GEMINI_CONCURRENCY", "4")),
    "local": int(os.environ.get("LOCAL_DRAFT_CONCURRENCY", "4")),
}
# A job still running this long after it started is finished as failed by the reaper.
JOB_DEADLINE_SECONDS = int(os.environ.get("JOB_DEADLINE_SECONDS", str(Q_TIMEOUT_SECONDS + 120)))
# The embedded default: with no key configured, creators still get working drafts.
FALLBACK_MODEL_KEY = "local-draft"

# --- Takes (video from the representative keyframe) ---------------------------
# Video models answer in minutes. The wait stays under the task timeout, so the worker (not
# the reaper) ends a slow take, cancels it at the host and refunds it.
TAKE_PROVIDER_TIMEOUT_SECONDS = float(
    os.environ.get("TAKE_PROVIDER_TIMEOUT_SECONDS", str(max(60, Q_TIMEOUT_SECONDS - 60)))
)
# A provider's clip over this size is refused and the take refunded (10 s of 1080p H.264
# from the hosted models is about 5-20 MB).
TAKE_MAX_VIDEO_BYTES = int(os.environ.get("TAKE_MAX_VIDEO_BYTES", str(100 * 1024 * 1024)))
# local-motion takes: frames per second, and pixels on the clip's short side.
TAKE_LOCAL_FPS = int(os.environ.get("TAKE_LOCAL_FPS", "24"))
TAKE_LOCAL_SHORT_SIDE = int(os.environ.get("TAKE_LOCAL_SHORT_SIDE", "720"))

# --- Face matching ------------------------------------------------------------
# Each generated keyframe is scored against the character sheets its job sent
# (keyframes/face_scores.py), on its own task, never inside the generation.
FACE_SCORING_ENABLED = env_bool("FACE_SCORING_ENABLED", True)
FACE_SCORING_TIMEOUT_SECONDS = int(os.environ.get("FACE_SCORING_TIMEOUT_SECONDS", "60"))
# Empty: the model files the face-recognition-models package installed.
FACE_MODEL_DIR = Path(os.environ["FACE_MODEL_DIR"]) if os.environ.get("FACE_MODEL_DIR") else None

# --- Prompt writer ------------------------------------------------------------
PROMPT_WRITER_MODEL = os.environ.get("PROMPT_WRITER_MODEL", "gemini-3.5-flash")
PROMPT_WRITER_TIMEOUT_SECONDS = float(os.environ.get("PROMPT_WRITER_TIMEOUT_SECONDS", "30"))
# How many prompts one Auto-Flight worker asks the prompt writer for at once.
PROMPT_WRITER_CONCURRENCY = int(os.environ.get("PROMPT_WRITER_CONCURRENCY", "4"))
SCRIPT_MAX_CHARS = int(os.environ.get("SCRIPT_MAX_CHARS", "4000"))
PROMPT_MAX_CHARS = int(os.environ.get("PROMPT_MAX_CHARS", "4000"))
# Script import (keyframes.breakdown): the largest script and the most cuts one import makes.
BREAKDOWN_MAX_CHARS = int(os.environ.get("BREAKDOWN_MAX_CHARS", "100000"))
BREAKDOWN_MAX_CUTS = int(os.environ.get("BREAKDOWN_MAX_CUTS", "200"))
BREAKDOWN_TIMEOUT_SECONDS = float(os.environ.get("BREAKDOWN_TIMEOUT_SECONDS", "60"))

# --- Editor -------------------------------------------------------------------
# Autosave (static/js/autosave.js) saves a long burst of typing at least this often.
AUTOSAVE_MAX_WAIT_MS = int(os.environ.get("AUTOSAVE_MAX_WAIT_MS", "2500"))

# --- Credits and Stripe -------------------------------------------------------
SIGNUP_GRANT_CREDITS = int(os.environ.get("SIGNUP_GRANT_CREDITS", "20"))
LOW_BALANCE_THRESHOLD = int(os.environ.get("LOW_BALANCE_THRESHOLD", "50"))
CREDIT_PACKAGES = [
    {"key": "starter", "name": "Starter", "credits": 200, "price_cents": 1000},
    {"key": "creator", "name": "Creator", "credits": 1100, "price_cents": 5000},
    {"key": "studio", "name": "Studio", "credits": 2400, "price_cents": 10000},
]
CREDIT_CURRENCY = os.environ.get("CREDIT_CURRENCY", "usd")
STRIPE_LIVE_MODE = env_bool("STRIPE_LIVE_MODE")
STRIPE_LIVE_SECRET_KEY = os.environ.get("STRIPE_LIVE_SECRET_KEY", "")
STRIPE_TEST_SECRET_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# dj-stripe's tables, admin and webhook URL exist only where purchases are set up: its
# migrations are most of a first `migrate`. After adding a key, run `manage.py migrate` again.
if STRIPE_LIVE_SECRET_KEY if STRIPE_LIVE_MODE else STRIPE_TEST_SECRET_KEY:
    INSTALLED_APPS.append("djstripe")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
SILENCED_SYSTEM_CHECKS = ["djstripe.I002"]

# --- Rate limits --------------------------------------------------------------
GENERATION_RATE_LIMIT = os.environ.get("GENERATION_RATE_LIMIT", "30/m")
PROMPT_RATE_LIMIT = os.environ.get("PROMPT_RATE_LIMIT", "20/m")
BREAKDOWN_RATE_LIMIT = os.environ.get("BREAKDOWN_RATE_LIMIT", "10/m")
UPLOAD_RATE_LIMIT = os.environ.get("UPLOAD_RATE_LIMIT", "30/m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "django_q": {"level": "WARNING"}},
}
