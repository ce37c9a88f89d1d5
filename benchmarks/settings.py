"""The project's settings plus one bare Django view, the benchmark's baseline (never shipped in chatsite/).

Alternatives the project measured and did not adopt (README, Speed) can be measured again from here:
`BENCH_DATABASE_POOL=<max size>` (psycopg's pool instead of persistent connections) and
`BENCH_CONN_HEALTH_CHECKS=0` (no health check at all; the project's backend asks the server only when it has
sent something, chatsite/postgresql/base.py). The hot path's own statements
are prepared by the project itself (chat/sql.py; `DATABASE_PREPARED_STATEMENTS=0` turns that off).
"""

import os

from chatsite.settings import *  # noqa: F403
from chatsite.settings import DATABASES, env_bool

ROOT_URLCONF = "benchmarks.urls"

if os.environ.get("BENCH_DATABASE_POOL"):
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": int(os.environ["BENCH_DATABASE_POOL"])}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("BENCH_CONN_HEALTH_CHECKS", True)
