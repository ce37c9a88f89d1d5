"""Request ids in responses and log lines; JSON log lines."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from chatsite.logs import JSONFormatter, RequestIdFilter


def test_a_request_id_is_made_and_sent_back(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_well_formed_incoming_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response["X-Request-ID"] == "req-0123456789abcdef"


@pytest.mark.parametrize("incoming", ["short", "with space in it", "x" * 129, "evil\nforged line", "é" * 10])
def test_a_malformed_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_every_log_line_of_a_request_carries_its_id(client, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no/such/page", HTTP_X_REQUEST_ID="trace-00000001")
    assert response.status_code == 404
    records = [record for record in caplog.records if record.name == "django.request"]
    assert records and all(record.request_id == "trace-00000001" for record in records)


def test_json_lines_carry_the_fields_and_the_traceback():
    record = logging.LogRecord("chatsite.test", logging.ERROR, __file__, 1, "broke: %s", ("why",), None)
    record.request_id = "abc"
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JSONFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "ERROR" and entry["logger"] == "chatsite.test"
    assert entry["message"] == "broke: why" and entry["request_id"] == "abc"
    assert "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_the_log_format_setting_picks_the_json_formatter():
    code = "import django, logging; django.setup(); logging.getLogger('chatsite.test').warning('hello')"
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "DJANGO_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=60)
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "hello" and entry["request_id"] == "-"
