"""Metrics under gunicorn with several workers: every worker's counts add up at /metrics."""

import tempfile
from pathlib import Path

from tests.chatsite.test_metrics import sample
from tests.servers import app_env, get, gunicorn


def test_metrics_add_up_across_workers():
    with tempfile.TemporaryDirectory() as folder:
        env = app_env(
            DATABASE_URL=f"sqlite:///{Path(folder) / 'db.sqlite3'}", PROMETHEUS_MULTIPROC_DIR=str(Path(folder) / "prom")
        )
        with gunicorn(env, workers=2) as server:
            for _ in range(20):
                assert get(f"{server.url}/healthz")[0] == 200
            status, _, body = get(f"{server.url}/metrics")
            # The workers keep their samples in the shared folder, where /metrics adds them up.
            assert list((Path(folder) / "prom").glob("counter_*.db"))
    assert status == 200
    text = body.decode()
    # Twenty from this loop and at least one from the start-up wait, whichever worker answered each.
    assert sample(text, "chatsite_http_requests_total", method="GET", endpoint="/healthz", status="200") >= 21
    assert "chatsite_active_streams 0.0" in text
