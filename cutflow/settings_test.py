"""Settings for the test suite: the real settings with a throwaway key and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault(
    "CUTFLOW_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from cutflow.settings import *  # noqa: E402,F403

# The Stripe checkout and webhook tests need dj-stripe, whatever keys the environment holds.
if "djstripe" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("djstripe")  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Animatics the size of a thumbnail: what the tests check (length, frame size, order) is the
# same at any size, and encoding stays fast.
ANIMATIC_LONG_SIDE = 160
ANIMATIC_FPS = 8
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # The same PostgreSQL, emptied and dropped faster (tests/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "tests.postgresql"  # noqa: F405
