"""The real client re-sends a pending message; the same id arriving at once stores it once (PostgreSQL, threads)."""

import uuid

import pytest
from rest_framework.test import APIClient

from chat.models import Message
from chat.services.tokens import token_issue
from tests.api.origam.helpers import room_url
from tests.chat.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _send_all(chatroom, member, bodies: list[dict]) -> list[tuple[str, object]]:
    raw, _ = token_issue(user=member)

    def send(number: int) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        response = client.post(room_url(chatroom, "messages"), bodies[number], format="json")
        return response.status_code, response.json()

    return run_together(THREADS, send)


def test_same_message_at_once_is_stored_once_and_every_sender_gets_it(chatroom, member):
    body = {"id": str(uuid.uuid4()), "text": "<p>at once</p>", "mentions": []}
    outcomes = _send_all(chatroom, member, [body] * THREADS)
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS, outcomes
    assert {status for _, (status, _) in outcomes} == {200}
    assert {answer["id"] for _, (_, answer) in outcomes} == {body["id"]}
    assert Message.objects.filter(pk=body["id"]).count() == 1
    assert Message.objects.filter(chatroom=chatroom, kind=Message.Kind.TEXT).count() == 1


def test_different_messages_under_one_id_at_once_store_one_and_the_rest_conflict(chatroom, member):
    message_id = str(uuid.uuid4())
    bodies = [{"id": message_id, "text": f"<p>version {number}</p>"} for number in range(THREADS)]
    outcomes = _send_all(chatroom, member, bodies)
    statuses = sorted(status for _, (status, _) in outcomes)
    assert statuses == [200] + [409] * (THREADS - 1), outcomes
    winner = next(answer for _, (status, answer) in outcomes if status == 200)
    assert Message.objects.get(pk=message_id).html == winner["text"]
