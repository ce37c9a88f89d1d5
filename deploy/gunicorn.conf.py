"""Gunicorn settings for chatsite: `gunicorn -c deploy/gunicorn.conf.py chatsite.wsgi`.

Every value can be overridden from the environment (GUNICORN_*) or on the command line.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import multiprocess


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the requests are short and CPU-bound, which sync workers serve with the least CPU each
# (`make bench`, README "Speed": an idle poll costs a fifth less CPU than under gthread with 4 threads).
# Gunicorn's rule of thumb, 2 per core + 1, keeps the cores busy while some workers wait on PostgreSQL.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
# A worker stuck longer than this is killed and replaced; no chat request should come near it.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# The proxy in front keeps client connections open; a sync worker closes its own after each answer.
keepalive = 2
# Recycling workers bounds any slow memory growth; the jitter keeps them from all restarting at once. Rarely:
# a new worker costs about a second of CPU to start and answers late meanwhile; at 2,000 requests a busy
# worker restarted every few seconds, which cost a sixth of the throughput and put p99 near a second (README,
# Speed). At 100,000 a worker serving 300 requests a second lives about five minutes.
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 10_000)
# No preload: each worker imports Django itself, so `kill -HUP` (a reload after an upgrade) picks up new
# code, and no database connection or Redis socket opened at import is shared across fork.
preload_app = False
# The access log on stdout (the request id is the one the app sent back), the error log on stderr.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
# Trust X-Forwarded-* only from the proxy on this machine (compose overrides it with its own network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Nothing here uses gunicorn's control socket; its one default path per user would be fought over by
# several instances on one machine.
control_socket_disable = True


def on_starting(server: Any) -> None:
    """Metrics of workers from a previous run must not be added to this one's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exited no longer counts in the live gauges (active streams)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
