"""Django settings, from the environment (``environment.py``). Production fails
closed: without a secret key, the pseudonym key and a database URL, or with a weak
or committed secret, it will not start."""

from __future__ import annotations

import datetime as dt
import os

from cld.portal import environment

ENVIRONMENT = environment.environment()
PRODUCTION = ENVIRONMENT == "production"
if PRODUCTION:
    environment.require_production_settings()

CLD_DATA_DIR = environment.data_dir()
SECRET_KEY = (
    os.environ["DJANGO_SECRET_KEY"] if PRODUCTION else environment.DEVELOPMENT_ONLY_KEY
)
CLD_DEMO = not PRODUCTION and os.environ.get("CLD_DEMO", "") == "1"
"""The demo (``make demo``): synthetic data, second factor off, said on every page."""
DEBUG = not PRODUCTION and os.environ.get("CLD_DEBUG", "") == "1"
ALLOWED_HOSTS = environment.hosts()
CSRF_TRUSTED_ORIGINS = environment.trusted_origins()
CLD_BEHIND_TLS_PROXY = environment.behind_tls_proxy()
"""Behind a proxy that terminates HTTPS (``CLD_BEHIND_TLS_PROXY=1``): its
``X-Forwarded-Proto`` says a request came over HTTPS (``cld serve`` trusts it, and
``X-Forwarded-For``, from ``CLD_TRUSTED_PROXY`` only), and plain HTTP is
redirected to HTTPS, the health check apart."""
CLD_TRUSTED_PROXY = os.environ.get("CLD_TRUSTED_PROXY", "").strip() or "127.0.0.1"
if CLD_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "cld.portal.apps.PortalConfig",
    "cld.portal.accounts.apps.AccountsConfig",
    "cld.portal.uploads.apps.UploadsConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cld.portal.security.ContentSecurityPolicyMiddleware",
    "cld.portal.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
ROOT_URLCONF = "cld.portal.urls"
WSGI_APPLICATION = "cld.portal.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cld.portal.navigation.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": environment.database(os.environ.get("DATABASE_URL", ""), CLD_DATA_DIR)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id within a memory budget, at most two hashes at a time (hashing.py);
# hashes of Django's own Argon2 hasher still verify and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "cld.portal.accounts.hashing.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in first
    "django.contrib.auth.backends.ModelBackend",
]
OIDC = environment.oidc()
"""A council's own identity provider (OpenID Connect), off unless configured."""
if OIDC:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("cld.portal.accounts.oidc.CouncilOidcBackend")
    globals().update(OIDC)
    LOGIN_REDIRECT_URL_FAILURE = "/sign-in/"

# Sign-in throttling (django-axes): five failures for one username from one
# address lock that pair out for 15 minutes; the socket's address only.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_LOCKOUT_CALLABLE = "cld.portal.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Second factor (django-otp, TOTP) for every role; off only in the demo.
CLD_REQUIRE_SECOND_FACTOR = not CLD_DEMO
OTP_TOTP_ISSUER = "London Child Level Data"

LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "sign-in"

# Cookies: HttpOnly always, Secure in production, a working day at most.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SAMESITE = "Lax"

# Headers: no sniffing, no framing, a strict CSP and no-store on every page and
# download that is not a static file (security.py; static files get the same
# headers from WhiteNoise, wsgi.py), HSTS in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = environment.hsts_seconds(PRODUCTION)
"""Sent on HTTPS responses only (behind a proxy, once it says HTTPS)."""
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Request bodies: forms are small; uploads (later) stream to disk under the
# platform's own size cap, which also counts file bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

STATIC_URL = "/static/"
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
