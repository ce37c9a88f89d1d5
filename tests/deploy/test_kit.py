"""The deployment kit in deploy/: every piece checked here as far as this machine's tools allow."""

import os
import runpy
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tests.servers import ROOT, app_env

DEPLOY = ROOT / "deploy"


def gunicorn_config(**env: str) -> dict:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GUNICORN_")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", {**clean, **env})
        return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_accepts_the_config_and_loads_the_app():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "-c", "deploy/gunicorn.conf.py", "chatsite.wsgi"],
        cwd=ROOT, env=app_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_config_values():
    config = gunicorn_config()
    assert config["workers"] == 2 * (os.cpu_count() or 1) + 1
    assert config["accesslog"] == "-" and "x-request-id" in config["access_log_format"]
    assert config["timeout"] == 30 and config["max_requests"] > 0 and config["max_requests_jitter"] > 0
    assert config["preload_app"] is False
    assert gunicorn_config(GUNICORN_WORKERS="3")["workers"] == 3


def test_gunicorn_empties_the_metrics_folder_at_start(tmp_path, monkeypatch):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["on_starting"](None)
    assert folder.is_dir() and list(folder.iterdir()) == []


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_names_the_services_and_wires_them():
    services = compose()["services"]
    assert set(services) == {"migrate", "app", "stream", "db", "redis", "proxy"}
    assert services["migrate"]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / ".." / services["migrate"]["build"]["dockerfile"]).is_file()
    assert "migrate --noinput" in services["migrate"]["command"][-1]
    assert "ensure_operator" in services["migrate"]["command"][-1]
    assert services["app"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    environment = services["app"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0" and environment["DJANGO_HTTPS"] == "1"
    assert "443:443" in services["proxy"]["ports"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert {"media:/data/media", "files:/data/files"} <= set(services["app"]["volumes"])
    assert "ports" not in services["app"]  # only the proxy is reachable from outside


def test_compose_runs_the_event_stream_beside_the_app_under_uvicorn():
    services = compose()["services"]
    stream = services["stream"]
    assert stream["image"] == services["app"]["image"]
    assert stream["environment"] == services["app"]["environment"] and stream["env_file"] == "chatsite.env"
    command = stream["command"]
    assert command[:2] == ["uvicorn", "chatsite.asgi:application"]
    assert command[command.index("--port") + 1] == "8001"
    assert "--timeout-graceful-shutdown" in command
    assert "8001/healthz" in " ".join(stream["healthcheck"]["test"])
    assert stream["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "ports" not in stream
    assert "stream" in services["proxy"]["depends_on"]


def test_the_proxies_route_the_event_stream_unbuffered_to_the_asgi_server():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy /api/v1/events stream:8001" in caddy and "flush_interval -1" in caddy
    assert "@compressible not path /api/v1/events" in caddy
    nginx = (DEPLOY / "nginx" / "chatsite.conf").read_text()
    block = nginx[nginx.index("location = /api/v1/events {") :]
    block = block[: block.index("}")]
    assert "proxy_pass http://chatsite_stream;" in block and "server 127.0.0.1:8001;" in nginx
    assert "proxy_buffering off;" in block and "proxy_http_version 1.1;" in block
    # Longer than the heartbeat and the longest long-poll, so only a dead stream times out.
    read_timeout = int(block.split("proxy_read_timeout ")[1].split("s;")[0])
    from django.conf import settings

    assert read_timeout > max(settings.CHAT_EVENTS_HEARTBEAT_SECONDS, settings.CHAT_EVENTS_POLL_TIMEOUT_MAX_SECONDS)


def test_the_stream_units_command_starts_the_asgi_app():
    unit = (DEPLOY / "systemd" / "chatsite-stream.service").read_text()
    command = unit.split("ExecStart=")[1].split("\n")[0]
    assert "uvicorn chatsite.asgi:application" in command and "--port 8001" in unit
    assert "--timeout-graceful-shutdown 2" in unit


def test_the_proxies_buffer_bodies_limit_them_and_hide_metrics():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "request_buffers" in caddy and "max_size 3MB" in caddy and "respond /metrics 404" in caddy
    nginx = (DEPLOY / "nginx" / "chatsite.conf").read_text()
    for directive in (
        "client_max_body_size 3m;",
        "proxy_request_buffering on;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "location = /metrics",
    ):
        assert directive in nginx


def test_the_body_limit_of_the_samples_matches_the_app(settings):
    assert settings.CHAT_REQUEST_MAX_BYTES == 3 * 1024 * 1024


def test_dockerfile_is_slim_non_root_with_static_files_and_a_healthcheck():
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    assert all("slim" in line for line in lines if line.startswith("FROM "))
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any("collectstatic --noinput" in line for line in lines if line.startswith("RUN "))
    # What the app writes lives in folders its user owns, outside the code.
    assert "DJANGO_MEDIA_ROOT=/data/media \\" in lines and "CHAT_FILES_DIR=/data/files \\" in lines
    assert any("chown chatsite:chatsite /data/media /data/files" in line for line in lines)
    healthcheck = next(index for index, line in enumerate(lines) if line.startswith("HEALTHCHECK "))
    assert "/healthz" in lines[healthcheck + 1]


def docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not docker_works(), reason="needs a Docker engine (`docker info` fails here)")
def test_the_image_builds_and_runs_as_a_user():
    tag = f"chatsite-test:{uuid.uuid4().hex[:8]}"
    build = subprocess.run(
        ["docker", "build", "-f", "deploy/Dockerfile", "-t", tag, "."], cwd=ROOT, capture_output=True, timeout=900
    )
    assert build.returncode == 0, build.stderr.decode()[-3000:]
    try:
        uid = subprocess.run(["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, timeout=60)
        assert uid.stdout.strip() not in ("", "0")
        config = subprocess.run(
            ["docker", "compose", "-f", "deploy/compose.yaml", "config", "--quiet"],
            cwd=ROOT, env={**os.environ, "POSTGRES_PASSWORD": "x", "CHATSITE_DOMAIN": "chat.example.org"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert config.returncode == 0 or "chatsite.env" in config.stderr, config.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize(
    ("name", "server"),
    [("chatsite.service", "gunicorn"), ("chatsite-granian.service", "granian"), ("chatsite-stream.service", "uvicorn")],
)
def test_the_systemd_unit_verifies(tmp_path, name, server):
    unit = (DEPLOY / "systemd" / name).read_text()
    # Where this checkout and its virtualenv are, in place of the unit's /srv/chatsite.
    unit = unit.replace(f"/srv/chatsite/.venv/bin/{server}", str(Path(sys.executable).parent / server))
    unit = unit.replace("/srv/chatsite", str(ROOT)).replace("/etc/chatsite/chatsite.env", str(tmp_path / "env"))
    (tmp_path / "env").write_text("")
    (tmp_path / name).write_text(unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert name not in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None or shutil.which("openssl") is None, reason="needs nginx and openssl")
def test_the_nginx_sample_passes_nginx_t(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=chat.example.org",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "chatsite.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/chat.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/chat.example.org/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "chatsite.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/chatsite.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def caddy_version() -> tuple[int, ...]:
    if shutil.which("caddy") is None:
        return ()
    output = subprocess.run(["caddy", "version"], capture_output=True, text=True, timeout=30).stdout
    return tuple(int(part) for part in output.split()[0].lstrip("v").split("-")[0].split(".")[:2])


# request_buffers came with Caddy 2.7; deploy/compose.yaml runs the current caddy:2 image.
@pytest.mark.skipif(caddy_version() < (2, 7), reason="needs caddy 2.7 or later")
def test_the_caddyfile_validates():
    result = subprocess.run(
        ["caddy", "validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT, env={**os.environ, "CHATSITE_DOMAIN": "chat.example.org"}, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
