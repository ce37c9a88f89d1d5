#!/bin/sh
# chatsite under granian's WSGI server: the alternative to gunicorn (deploy/gunicorn.conf.py) that serves every
# scenario of `make bench` faster, and the Teahaz poll of a small chatroom faster than the original server does
# (README, Speed). Run from the project folder, as the unit deploy/systemd/chatsite-granian.service does:
#     deploy/granian.sh
# Each worker process serves one request at a time (one blocking thread: one database connection each). Unlike
# gunicorn's sync workers, a busy worker still takes new connections, whose requests wait for it: a request
# stuck in the database holds up its worker's share of the traffic, and no worker timeout ends it. `kill -HUP`
# replaces the workers (on new code) without stopping the server. Every value can be set from the environment:
#     GRANIAN_HOST (127.0.0.1), GRANIAN_PORT (8000), GRANIAN_WORKERS (2 per core + 1),
#     GRANIAN_WORKERS_MAX_RSS (MiB; a worker grown past it is replaced, 512), GRANIAN (the granian binary).
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # As gunicorn.conf.py's on_starting: the metrics of a previous run's workers must not count in this one's.
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
cores=$(nproc 2>/dev/null || echo 1)
exec "${GRANIAN:-granian}" --interface wsgi --no-ws \
    --host "${GRANIAN_HOST:-127.0.0.1}" --port "${GRANIAN_PORT:-8000}" \
    --workers "${GRANIAN_WORKERS:-$((2 * cores + 1))}" --blocking-threads 1 \
    --respawn-failed-workers --workers-max-rss "${GRANIAN_WORKERS_MAX_RSS:-512}" --workers-kill-timeout 30 \
    --access-log \
    chatsite.wsgi:application
