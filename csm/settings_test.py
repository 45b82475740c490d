"""Test overrides: PostgreSQL and Redis on localhost by default (`make test` passes the URLs), tasks run eagerly
(their arguments still round-trip through JSON, see csm.tenancy.jobs), a fast password hasher and the in-memory mailbox.

The suite connects as the app role, which row-level security applies to; `tests/conftest.py` creates the test
database as the owner (DATABASE_OWNER_URL) and then switches the connections to the app and ops roles.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://csm_app:csm_app@localhost:5432/csm")
os.environ.setdefault("DATABASE_OPS_URL", "postgres://csm_ops:csm_ops@localhost:5432/csm")
os.environ.setdefault("DATABASE_OWNER_URL", "postgres://postgres@localhost:5432/postgres")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")
os.environ.setdefault("SITE_URL", "http://testserver")

from csm.settings import *  # noqa: F403
from csm.settings import DATABASES, env

# The owner's credentials are used only to create the test database; they are not a connection of the app.
TEST_DATABASE_OWNER = DATABASES.pop("owner")
for _alias in ("default", "ops"):
    DATABASES[_alias]["CONN_MAX_AGE"] = 0
    DATABASES[_alias]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_csm")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SITE_URL = "http://testserver"
# WhiteNoise wants STATIC_ROOT to exist even when it serves from the finders.
STATIC_ROOT = DATA_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
