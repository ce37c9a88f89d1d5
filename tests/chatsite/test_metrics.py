"""/metrics: requests by endpoint and status, latency, queries, messages posted, streams; address-restricted."""

import re

import pytest

from chat.models import Message
from tests.api.origam.helpers import room_url


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


@pytest.mark.django_db
def test_requests_are_counted_by_url_pattern_and_status(client):
    labels = {"method": "GET", "endpoint": "/readyz", "status": "200"}
    before = sample(scrape(client), "chatsite_http_requests_total", **labels)
    client.get("/readyz")
    client.get("/readyz")
    client.get("/no/such/page")
    text = scrape(client)
    assert sample(text, "chatsite_http_requests_total", **labels) == before + 2
    assert sample(text, "chatsite_http_requests_total", method="GET", endpoint="<unmatched>", status="404") >= 1
    assert sample(text, "chatsite_http_request_duration_seconds_count", method="GET", endpoint="/readyz") >= 2
    assert sample(text, "chatsite_db_queries_total", endpoint="/readyz") >= 2


def test_active_streams_is_exposed_and_zero(client):
    assert sample(scrape(client), "chatsite_active_streams") == 0


@pytest.mark.django_db
def test_a_message_counts_once_its_transaction_commits(client, member, chatroom, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(member)
    before = sample(scrape(client), "chatsite_messages_posted_total")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(room_url(chatroom, "messages"), {"text": "<p>counted</p>"}, format="json")
    assert response.status_code == 200
    assert Message.objects.filter(chatroom=chatroom, text="counted").count() == 1
    assert sample(scrape(client), "chatsite_messages_posted_total") == before + 1


@pytest.mark.django_db
def test_a_message_not_committed_is_not_counted(client, member, chatroom, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(member)
    before = sample(scrape(client), "chatsite_messages_posted_total")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.post(room_url(chatroom, "messages"), {"text": "<p>pending</p>"}, format="json")
    assert callbacks  # the count waits for the commit, which never comes here
    assert sample(scrape(client), "chatsite_messages_posted_total") == before


def test_other_addresses_get_404(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_the_allowed_networks_are_a_setting(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_a_forwarded_address_counts_only_when_trusted(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200
    settings.CHAT_TRUST_X_FORWARDED_FOR = True
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
