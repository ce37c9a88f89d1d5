"""The HTTP benchmark, `make bench`: the hot paths over real HTTP, as ratios to a bare Django view.

It seeds chatrooms of 1k and 1M messages with 100 participants into a PostgreSQL database of its own
(`BENCH_DATABASE_URL`; seeded once, reused afterwards), starts the server in the production
configuration (`DJANGO_DEBUG=0`, gunicorn with 2 sync workers and `deploy/gunicorn.conf.py` when
there is one, persistent database connections) with a bare `JsonResponse` view beside the project's
URLs, then loads each scenario with wrk, all scenarios in turn, several rounds. It prints requests
per second, p50 and p99 latency, the queries one request runs (counted in-process, once per
scenario) and the ratio to the bare view, beside the targets of the project. The loopback only;
never part of `make test`.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chatsite_bench"
# The server's environment: production mode on the benchmark's own settings (the bare view added).
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-any-real-server-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DJANGO_LOG_LEVEL": "WARNING",
    # One caller posts hundreds of messages a second: the sending limits would answer 429.
    "CHAT_RATE_LIMITS_ENABLED": "0",
}
HOST = "127.0.0.1"
WRK_INSTALL_HINT = "wrk is missing: install it with `apt-get install wrk` (Debian, Ubuntu) or `brew install wrk`."
SERVERS = ("gunicorn", "gunicorn-gthread", "granian")


@dataclass
class Scenario:
    """One request that wrk repeats; `{id}` in the body becomes a fresh UUID per request."""

    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    target: str = ""
    minimum: float | None = None
    # The chatroom whose newest message anchors `{newest}` and `{newest_time}`.
    room: str = ""
    rates: list[float] = field(default_factory=list)
    p50s: list[float] = field(default_factory=list)
    p99s: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    queries: int | None = None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 3)), help="seconds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server", choices=SERVERS, default=os.environ.get("BENCH_SERVER", "gunicorn"))
    parser.add_argument("--history", type=int, default=int(os.environ.get("BENCH_HISTORY", 1_000_000)))
    parser.add_argument("--only", default="", help="run only the scenarios whose name contains this")
    return parser.parse_args()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int, *, reaped: bool = False) -> float | None:
    """CPU seconds (user + system) of a process, with its exited children's when `reaped`; None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14-17 of proc(5): utime, stime, cutime, cstime (counted here from field 3, the state).
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / CLOCK_TICKS


@dataclass
class CpuSnapshot:
    """CPU seconds of the server's master (with its reaped workers), of each worker and each database process."""

    master: float
    workers: dict[int, float]
    backends: dict[int, float]

    def since(self, before: "CpuSnapshot") -> float:
        """CPU seconds spent between the two snapshots. A worker that exited in between is in the master's
        reaped time with its whole life, so its time before the first snapshot comes off; a database
        process that ended in between loses its share (a connection renewed after CONN_MAX_AGE)."""
        spent = self.master - before.master
        spent -= sum(cpu for pid, cpu in before.workers.items() if pid not in self.workers)
        for now, then in ((self.workers, before.workers), (self.backends, before.backends)):
            spent += sum(cpu - then.get(pid, 0.0) for pid, cpu in now.items())
        return spent


def server_cpu(server_pid: int, database_name: str) -> CpuSnapshot:
    """The CPU time of the server and of the database processes serving it: a cost per request that a
    busy machine distorts much less than requests/s."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database_name]
        )
        backend_pids = [pid for (pid,) in cursor.fetchall()]
    worker_pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    worker_pids = [pid for pid in worker_pids if _parent(pid) == server_pid]

    def alive(pids: list[int]) -> dict[int, float]:
        return {pid: cpu for pid in pids if (cpu := cpu_of(pid)) is not None}

    return CpuSnapshot(cpu_of(server_pid, reaped=True) or 0.0, alive(worker_pids), alive(backend_pids))


def drained_cpu(server_pid: int, database_name: str) -> CpuSnapshot:
    """The CPU snapshot once the server has finished the requests still queued (its CPU time stands still)."""
    last = server_cpu(server_pid, database_name)
    for _ in range(100):
        time.sleep(0.3)
        now = server_cpu(server_pid, database_name)
        if now.since(last) < 0.02:
            return now
        last = now
    return last


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def setup_django(database_url: str) -> None:
    """This process runs the seeding and the in-process query counts against the benchmark database."""
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = database_url
    # Production serves collected static files; the benchmark requests none and collects none.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def ensure_database(database_url: str) -> None:
    """Creates the benchmark database when it does not exist yet."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    name = config["NAME"]
    admin = psycopg.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    )
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')


def seed(history: int) -> dict[str, Any]:
    """Migrates and seeds the benchmark database; answers what the scenarios need."""
    from django.core.management import call_command
    from django.utils import timezone

    from benchmarks import seed as seeding
    from chat.models import AuthToken, Chatroom
    from chat.services.tokens import token_issue

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    users, rooms, seeded = seeding.seeded_rooms(histories=sorted({1_000, history}))
    if seeded:
        seeding.analyze()
    caller = users[1]
    # Earlier runs' tokens go, but not those of a run still going (a second benchmark beside this one).
    AuthToken.objects.filter(user__in=users, created_at__lt=timezone.now() - timedelta(hours=2)).delete()
    bearer, _token = token_issue(user=caller)
    cookies = {}
    for room in rooms.values():
        raw, _token = token_issue(user=caller, chatroom=Chatroom.objects.get(pk=room.chatroom_id))
        cookies[room.history] = (room.chatroom_id, raw)
    verb = "seeded" if seeded else "reused"
    print(f"database {verb} in {time.perf_counter() - started:.1f} s: {', '.join(f'{n:,}' for n in rooms)} messages")
    return {"rooms": rooms, "caller": caller, "bearer": bearer, "cookies": cookies}


def newest(chatroom_id: str) -> tuple[str, float]:
    """The id and send time (epoch seconds) of a chatroom's newest message."""
    from chat.models import Message

    message = Message.objects.filter(chatroom_id=chatroom_id).order_by("-sent_at", "-id").first()
    assert message is not None
    return str(message.pk), message.sent_at.timestamp()


def scenarios(data: dict[str, Any], history: int) -> list[Scenario]:
    """Every scenario of the project's targets; anchors are read afresh for each round."""
    rooms, caller = data["rooms"], data["caller"]
    small, large = rooms[1_000], rooms[history]
    bearer = {"Authorization": f"Bearer {data['bearer']}"}
    origam = "/chatrooms/Chat/chatrooms"

    def teahaz(size: int, **headers: str) -> dict[str, str]:
        chatroom_id, raw = data["cookies"][size]
        return {"Cookie": f"{chatroom_id}={raw}", "userID": str(caller.pk), **headers}

    def json_post(**fields: object) -> str:
        return json.dumps(fields).replace('"ID"', '"{id}"')

    big = f"{large.history // 1000:,}k" if large.history < 1_000_000 else f"{large.history // 1_000_000}M"
    result = [
        Scenario("bare Django JsonResponse", "/bench/bare", target="baseline"),
        Scenario(
            f"Origam idle polledData ({big})",
            f"{origam}/{large.chatroom_id}/polledData?afterIdIncluding={{newest}}",
            headers=bearer,
            room=large.chatroom_id,
            target=">= 0.40",
            minimum=0.40,
        ),
    ]
    for room, label in ((small, "1k"), (large, big)):
        result.append(
            Scenario(
                f"Teahaz count: 100 ({label})",
                f"/api/v0/messages/{room.chatroom_id}",
                headers=teahaz(room.history, **{"get-method": "count", "count": "100"}),
                target=">= 0.25",
                minimum=0.25,
            )
        )
        result.append(
            Scenario(
                f"Origam messages limit=100 ({label})",
                f"{origam}/{room.chatroom_id}/messages?limit=100",
                headers=bearer,
                target=">= 0.25",
                minimum=0.25,
            )
        )
        result.append(
            Scenario(
                f"v1 messages page_size=100 ({label})",
                f"/api/v1/messages/?chatroom={room.chatroom_id}&page_size=100",
                headers=bearer,
                target=">= 0.25",
                minimum=0.25,
            )
        )
    for room, label in ((small, "1k"), (large, big)):
        result.append(
            Scenario(
                f"Teahaz since poll ({label})",
                f"/api/v0/messages/{room.chatroom_id}",
                headers=teahaz(room.history, **{"get-method": "since", "time": "{newest_time}"}),
                room=room.chatroom_id,
                target="10x original",
            )
        )
    result.append(
        Scenario(
            f"Teahaz post ({big})",
            f"/api/v0/messages/{large.chatroom_id}",
            method="POST",
            headers=teahaz(large.history, **{"Content-Type": "application/json"}),
            body=json_post(userID=str(caller.pk), channelID=large.channel_id, data="hello", messageID="ID"),
            target=">= 0.30",
            minimum=0.30,
        )
    )
    result.append(
        Scenario(
            f"Origam post ({big})",
            f"{origam}/{large.chatroom_id}/messages",
            method="POST",
            headers={**bearer, "Content-Type": "application/json"},
            body=json_post(id="ID", text="<p>hello</p>", mentions=[]),
            target=">= 0.30",
            minimum=0.30,
        )
    )
    return result


def resolve(scenario: Scenario, anchors: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The scenario's path and headers with this round's anchors filled in."""
    path, headers = scenario.path, dict(scenario.headers)
    for name, value in anchors.items():
        path = path.replace(f"{{{name}}}", value)
        headers = {header: text.replace(f"{{{name}}}", value) for header, text in headers.items()}
    return path, headers


def count_queries(scenario: Scenario, path: str, headers: dict[str, str]) -> int:
    """The statements one request runs, counted in this process (the second of two: a steady state)."""
    import uuid

    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    statements: list[str] = []

    def record(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    for _ in range(2):
        statements.clear()
        cookie = headers.get("Cookie")
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        other = {name: value for name, value in headers.items() if name not in ("Cookie", "Content-Type")}
        body = scenario.body.replace("{id}", str(uuid.uuid4())) if scenario.body else None
        with connection.execute_wrapper(record):
            response = client.generic(
                scenario.method,
                path,
                data=body or "",
                content_type=headers.get("Content-Type", "application/octet-stream"),
                headers=other,
            )
        if response.status_code != 200:
            raise SystemExit(f"{scenario.name}: {response.status_code} {response.content[:300]!r}")
    return len(statements)


LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
local body = {body}
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  wrk.method = {method}
{headers}
  if body then wrk.body = body end
end
local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    return string.format("%x", c == "x" and math.random(0, 15) or math.random(8, 11))
  end))
end
if body and string.find(body, "{{id}}", 1, true) then
  request = function()
    return wrk.format(nil, nil, nil, (string.gsub(body, "{{id}}", uuid4())))
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def lua_string(value: str | None) -> str:
    return "nil" if value is None else json.dumps(value)


def wrk(
    scenario: Scenario,
    *,
    port: int,
    path: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    seconds: int,
    log: Path,
    warm_up: bool = False,
) -> tuple[int, float, float, float]:
    """One wrk run: requests/s, p50 and p99 in ms; refuses a run with failed requests."""
    script = LUA.format(
        body=lua_string(scenario.body),
        method=lua_string(scenario.method),
        headers="\n".join(f"  wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        # A generous timeout: on a busy machine a slow answer is still an answer, to be counted in p99.
        command = ["wrk", "-t2", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s", "-s", handle.name]
        output = subprocess.run(
            [*command, f"http://{HOST}:{port}{path}"], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT"))
    requests, duration, bad_status, socket_errors, p50, p99 = (int(part) for part in line.split()[1:])
    if bad_status:
        raise SystemExit(
            f"{scenario.name}: {bad_status} of {requests} answers were not 2xx/3xx; the server's log ends:\n"
            + "\n".join(log.read_text().splitlines()[-15:])
        )
    if requests == 0 and not warm_up:
        print(f"  warning: {scenario.name}: no request was answered in {seconds} s (is the machine busy?)")
    if socket_errors > requests // 100:
        print(f"  warning: {scenario.name}: {socket_errors} socket errors in {requests} requests")
    return requests, requests / (duration / 1e6), p50 / 1000, p99 / 1000


@contextmanager
def server(args: argparse.Namespace, database_url: str, log: Path) -> Iterator[tuple[int, int]]:
    """The production server on a free loopback port, stopped afterwards."""
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url}
    app = "chatsite.wsgi:application"
    if args.server == "granian":
        if shutil.which("granian", path=str(ROOT / ".venv/bin")) is None and shutil.which("granian") is None:
            raise SystemExit("granian is missing: `.venv/bin/pip install granian`.")
        binary = shutil.which("granian", path=str(ROOT / ".venv/bin")) or "granian"
        # The project's own granian command (one blocking thread per worker, the access log), with 2 workers.
        command = ["sh", str(ROOT / "deploy/granian.sh")]
        env.update(GRANIAN=binary, GRANIAN_HOST=HOST, GRANIAN_PORT=str(port), GRANIAN_WORKERS="2")
    else:
        command = [str(ROOT / ".venv/bin/gunicorn"), app, "--workers", "2", "--bind", f"{HOST}:{port}"]
        config = ROOT / "deploy/gunicorn.conf.py"
        if config.exists():
            command += ["--config", str(config)]
        if args.server == "gunicorn-gthread":
            command += ["--worker-class", "gthread", "--threads", "4"]
        else:
            command += ["--worker-class", "sync"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/bench/bare", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:  # refused, reset or timed out while the workers boot
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def report(rows: list[Scenario], *, args: argparse.Namespace, history: int) -> None:
    """The table: medians of the rounds, each rate and CPU cost beside the bare view's and the target."""
    bare = statistics.median(rows[0].rates)
    bare_cpu = statistics.median(rows[0].cpu_ms or [0])
    print()
    print(
        f"{args.server}, 2 workers, wrk -c{args.connections} -d{args.duration}s, {args.rounds} rounds, "
        f"PostgreSQL, {history:,} messages and 100 participants; medians of the rounds"
    )
    print(
        f"{'scenario':<34} {'req/s':>7} {'(min-max)':>13} {'p50 ms':>7} {'p99 ms':>7} {'queries':>7} "
        f"{'x bare':>7} {'CPU ms':>7} {'x bare':>7}  target"
    )
    for row in rows:
        rate = statistics.median(row.rates)
        cpu = statistics.median(row.cpu_ms or [0])
        ratio = rate / bare if bare else 0
        cpu_ratio = bare_cpu / cpu if cpu else 0
        verdict = ""
        if row.minimum is not None:
            verdict = "  ok" if ratio >= row.minimum else "  below"
        spread = f"({min(row.rates):,.0f}-{max(row.rates):,.0f})"
        print(
            f"{row.name:<34} {rate:>7,.0f} {spread:>13} {statistics.median(row.p50s):>7.2f} "
            f"{statistics.median(row.p99s):>7.2f} {row.queries if row.queries is not None else '-':>7} "
            f"{ratio:>7.3f} {cpu:>7.2f} {cpu_ratio:>7.3f}  {row.target}{verdict}"
        )
    print(
        "CPU ms: the server's and its database processes' CPU time per request; its 'x bare' is the rate "
        "ratio an otherwise idle machine would show, and it is far less disturbed by other load than req/s."
    )
    by_name = {row.name: statistics.median(row.rates) for row in rows}
    for protocol in ("Teahaz count: 100", "Origam messages limit=100", "v1 messages page_size=100"):
        small = next((rate for name, rate in by_name.items() if name.startswith(protocol) and "(1k)" in name), 0)
        large = next((rate for name, rate in by_name.items() if name.startswith(protocol) and "(1k)" not in name), 0)
        if not (small and large):
            continue
        verdict = "ok" if large >= 0.9 * small else "below"
        print(f"{protocol}: the large history runs at {large / small:.2f} of the 1k rate (target >= 0.90) {verdict}")
    print(
        "The Teahaz since poll's target compares with the original Teahaz server, which this benchmark does not "
        "build or run: README, Speed, says how it was measured beside it."
    )


def main() -> None:
    # A terminated benchmark still stops its server (the `finally` of server()).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit(WRK_INSTALL_HINT)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("BENCH_DATABASE_URL must name a PostgreSQL database (postgres://...).")
    ensure_database(database_url)
    setup_django(database_url)
    data = seed(args.history)
    rows = [row for row in scenarios(data, args.history) if row.name.startswith("bare") or args.only in row.name]
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        measure(rows, args=args, database_url=database_url, log=log)
    report(rows, args=args, history=args.history)


def measure(rows: list[Scenario], *, args: argparse.Namespace, database_url: str, log: Path) -> None:
    """Every scenario in turn, round after round; round 0 warms up (imports, connections, caches) and counts queries."""
    database_name = database_url.rsplit("/", 1)[1].split("?")[0]
    with server(args, database_url, log) as (port, pid):
        for round_number in range(args.rounds + 1):
            anchors = {}
            for room in {row.room for row in rows if row.room}:
                message_id, sent = newest(room)
                anchors[room] = {"newest": message_id, "newest_time": repr(sent)}
            for row in rows:
                path, headers = resolve(row, anchors.get(row.room, {}))
                if round_number == 0:
                    row.queries = count_queries(row, path, headers) if row.path != "/bench/bare" else 0
                    wrk(row, port=port, path=path, headers=headers, args=args, seconds=2, log=log, warm_up=True)
                    continue
                cpu_before = drained_cpu(pid, database_name)
                requests, rate, p50, p99 = wrk(
                    row, port=port, path=path, headers=headers, args=args, seconds=args.duration, log=log
                )
                cpu_after = drained_cpu(pid, database_name)
                # Each connection's last request was still queued when wrk stopped; the server serves it anyway.
                row.cpu_ms.append(cpu_after.since(cpu_before) * 1000 / (requests + args.connections))
                row.rates.append(rate)
                row.p50s.append(p50)
                row.p99s.append(p99)
            if round_number:
                print(f"round {round_number}: " + ", ".join(f"{row.rates[-1]:,.0f}" for row in rows))


if __name__ == "__main__":
    main()
