"""Real servers for tests that need them: gunicorn with the project's config, a private PostgreSQL cluster."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**extra: str) -> dict[str, str]:
    """The environment of a production-like app process (debug off), nothing inherited but PATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "chatsite.settings",
        "DJANGO_SECRET_KEY": "tests-only-secret-key-for-a-live-server",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, dict, bytes]:
    """One HTTP request: status, headers, body (an error status is an answer, not an exception)."""
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def _serving(name: str, command: list[str], env: dict[str, str], port: int) -> Iterator[Server]:
    """Runs a server command until /healthz answers; stopped (SIGTERM, then SIGKILL) and its log kept on exit."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if get(f"{server.url}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start:\n{server.output()}")
                time.sleep(0.1)
            yield server
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1) -> Iterator[Server]:
    """Gunicorn with deploy/gunicorn.conf.py on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", str(workers),
               "-b", f"127.0.0.1:{port}", "chatsite.wsgi"]  # fmt: skip
    with _serving("gunicorn", command, env, port) as server:
        yield server


@contextmanager
def uvicorn(env: dict[str, str], *, port: int | None = None) -> Iterator[Server]:
    """`uvicorn chatsite.asgi:application` as deploy/ runs it (the event stream's server), on a free port."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
               "--timeout-graceful-shutdown", "2", "--no-access-log", "chatsite.asgi:application"]  # fmt: skip
    with _serving("uvicorn", command, env, port) as server:
        yield server


@dataclass
class Cluster:
    """A private PostgreSQL cluster in a temporary folder, owned by the `postgres` system user."""

    folder: Path
    port: int

    def _run(self, *args: str) -> None:
        assert POSTGRES_BIN is not None
        command = [str(POSTGRES_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """initdb + pg_ctl start on a free port; stopped and removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="chatsite-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder=folder, port=free_port())
    try:
        cluster._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust", "--no-sync")
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def granian(env: dict[str, str], *, workers: int = 1) -> Iterator[Server]:
    """deploy/granian.sh (granian's WSGI server) on a free port."""
    port = free_port()
    binary = str(Path(sys.executable).parent / "granian")
    env = {**env, "GRANIAN": binary, "GRANIAN_PORT": str(port), "GRANIAN_WORKERS": str(workers)}
    with _serving("granian", ["sh", "deploy/granian.sh"], env, port) as server:
        yield server
