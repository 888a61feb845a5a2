"""Configuration classes. Every setting a deployment changes is read from the environment."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults; override with environment variables."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    HSTS_SECONDS = 0  # no Strict-Transport-Security header (production sets it)
    DEMO_DATA_ALLOWED = True  # ``flask demo seed`` (refused by the production configuration)
    # The record of staff actions (who changed what, who opened or exported personal data) is kept
    # this long, then deleted by ``flask audit prune`` (daily from cron); the privacy notice says so.
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "1825"))  # five years
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'congdanso.db'}"
    )
    # No ping on every checkout: app.core.database._check_out pings a PostgreSQL connection only when it
    # has been idle or the server has closed it.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Rate limits are kept in Redis when there is one so that every gunicorn worker shares them.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    # No X-RateLimit-* headers on every response: each costs the limiter another Redis read per
    # request. A refused request (429) says when to come back in Retry-After (app/errors).
    RATELIMIT_HEADERS_ENABLED = False
    # Losing Redis must not stop the site: the limits then count in each worker's memory (checking
    # Redis again with back-off, up to half a minute) and any other limiter error lets the request
    # through.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs (rather than refusing connections) fails a limit check within 2 s.
    RATELIMIT_STORAGE_OPTIONS: dict = {"socket_timeout": 2, "socket_connect_timeout": 2}
    # Seconds a worker reads SQL instead of Redis after a Redis call failed, before trying it again.
    REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "5"))
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per minute")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    # Reverse proxies in front of the app that append to X-Forwarded-For / -Proto (nginx: 1). 0 trusts
    # no forwarded header: every per-address limit then keys on the address that connected.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    REGISTRATIONS_PER_IP_PER_HOUR = int(os.environ.get("REGISTRATIONS_PER_IP_PER_HOUR", "20"))
    # Per person (or per address before logging in): starting contest attempts and submitting them.
    CONTEST_START_LIMIT = os.environ.get("CONTEST_START_LIMIT", "10 per minute")
    CONTEST_SUBMIT_LIMIT = os.environ.get("CONTEST_SUBMIT_LIMIT", "30 per minute")
    # Seconds a worker reuses the question pool it draws attempts from (0: read it every time).
    QUESTION_POOL_SECONDS = float(os.environ.get("QUESTION_POOL_SECONDS", "30"))
    # Seconds a worker reuses a round for public board reads (a change elsewhere shows within this).
    BOARD_ROUND_SECONDS = float(os.environ.get("BOARD_ROUND_SECONDS", "5"))
    # Seconds a worker trusts a bearer token it checked when a public board adds the caller's rank.
    TOKEN_READ_CACHE_SECONDS = float(os.environ.get("TOKEN_READ_CACHE_SECONDS", "30"))
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    # Dashboards flag child units whose figure is below this share (percent) as lagging.
    LAGGING_THRESHOLD_PERCENT = float(os.environ.get("LAGGING_THRESHOLD_PERCENT", "50"))
    CHART_CACHE_SECONDS = int(os.environ.get("CHART_CACHE_SECONDS", "86400"))
    CHART_CACHE_ITEMS = int(os.environ.get("CHART_CACHE_ITEMS", "128"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = None  # a citizen may keep a form open for a long time
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(60 * 1024 * 1024)))

    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    # Links in messages sent from commands (no request to take the host from), e.g. https://cds.gov.vn
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # The issuing authority printed on certificates when a contest names none.
    CERTIFICATE_ISSUER = os.environ.get("CERTIFICATE_ISSUER", "")

    # --- messages (app.core.messaging, app.core.channels) ---------------------------------------
    # E-mail over SMTP with STARTTLS; credentials only from the environment.
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
    SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE", "")  # a private CA of an intranet relay
    SMTP_FROM = os.environ.get("SMTP_FROM", "")
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "20"))
    # SMS and Zalo through the province's contracted provider: an HTTP gateway (URL, key, template
    # ids "kind=id,kind=id") or an adapter class of its own ("module:Class").
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
    SMS_TEMPLATE_IDS = os.environ.get("SMS_TEMPLATE_IDS", "")
    ZALO_GATEWAY_URL = os.environ.get("ZALO_GATEWAY_URL", "")
    ZALO_GATEWAY_KEY = os.environ.get("ZALO_GATEWAY_KEY", "")
    ZALO_TEMPLATE_IDS = os.environ.get("ZALO_TEMPLATE_IDS", "")
    GATEWAY_TIMEOUT = float(os.environ.get("GATEWAY_TIMEOUT", "15"))
    EMAIL_ADAPTER = os.environ.get("EMAIL_ADAPTER", "")
    SMS_ADAPTER = os.environ.get("SMS_ADAPTER", "")
    ZALO_ADAPTER = os.environ.get("ZALO_ADAPTER", "")
    # Channels with no configuration write their messages to the log instead (development only).
    MESSAGES_TO_LOG = _bool("MESSAGES_TO_LOG", False)
    # Per channel, in the syntax of Flask-Limiter ("10 per second"); shared through Redis when set.
    MESSAGE_RATE_LIMITS = os.environ.get(
        "MESSAGE_RATE_LIMITS", "email=60 per minute;sms=10 per second;zalo=10 per second"
    )
    MESSAGE_MAX_ATTEMPTS = int(os.environ.get("MESSAGE_MAX_ATTEMPTS", "6"))
    MESSAGE_RETRY_SECONDS = int(os.environ.get("MESSAGE_RETRY_SECONDS", "60"))  # doubled per try
    MESSAGE_LEASE_SECONDS = int(os.environ.get("MESSAGE_LEASE_SECONDS", "300"))

    CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "courses"))
    QUIZZES_DIR = Path(os.environ.get("QUIZZES_DIR", BASE_DIR / "quizzes"))
    FRAMEWORK_FILE = Path(
        os.environ.get("FRAMEWORK_FILE", BASE_DIR / "app" / "competency" / "data" / "framework.yml")
    )
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", BASE_DIR / "instance" / "uploads"))
    LOG_JSON = _bool("LOG_JSON", True)
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    @staticmethod
    def refusals(config: dict) -> list[str]:
        """Why the app must not start with ``config`` (create_app raises with these); none here."""
        return []


class DevelopmentConfig(Config):
    DEBUG = _bool("FLASK_DEBUG", False)
    MESSAGES_TO_LOG = _bool("MESSAGES_TO_LOG", True)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"  # empty: SQLite
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    # Every channel delivers into a list the tests read (tests of the real channels set their own).
    EMAIL_ADAPTER = SMS_ADAPTER = ZALO_ADAPTER = "app.core.channels:MemoryAdapter"
    MESSAGE_RATE_LIMITS = "email=1000 per second;sms=1000 per second;zalo=1000 per second"
    PUBLIC_BASE_URL = "http://localhost"
    LOG_JSON = False
    LOG_LEVEL = "WARNING"
    # Fast hashing keeps the suite quick; production always uses scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # Never in production: a message can carry a password-reset link, whose token must not reach logs.
    MESSAGES_TO_LOG = False

    @staticmethod
    def refusals(config: dict) -> list[str]:
        """Production starts only with an absolute PUBLIC_BASE_URL (every link a message carries is
        built from it, never from a request's Host header) and never writes messages to the log."""
        problems = []
        base = urlsplit(config.get("PUBLIC_BASE_URL") or "")
        if base.scheme not in ("http", "https") or not base.netloc:
            problems.append("PUBLIC_BASE_URL must be set to the address people open, "
                            "e.g. https://congdanso.binhphuoc.gov.vn")
        if config.get("MESSAGES_TO_LOG"):
            problems.append("MESSAGES_TO_LOG cannot be on in production (messages carry reset tokens)")
        return problems
    # Strict-Transport-Security on every response (browsers then never use plain HTTP): one year.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    # ``flask demo seed`` creates accounts with a known password: never here.
    DEMO_DATA_ALLOWED = False


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}
