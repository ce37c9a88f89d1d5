"""Real concurrent requests (PostgreSQL): the same messageID sent at once by several connections stores one message."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from chat.models import Channel, Message
from tests.api.teahaz.conftest import log_in, post_json, url


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_message_id_sent_at_once_stores_one_message(member, chatroom):
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).id)
    message_id = str(uuid.uuid4())
    clients = []
    for _ in range(6):
        client = APIClient()
        log_in(client, member, chatroom)
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str | None]] = []

    def send(client: APIClient) -> None:
        try:
            barrier.wait(timeout=10)
            body = {"userID": "member", "channelID": channel_id, "data": "once", "messageID": message_id}
            response = post_json(client, url("messages", chatroom.id), body)
            answers.append((response.status_code, response.json().get("messageID")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [(200, message_id)] * len(clients)
    assert Message.objects.filter(pk=message_id).count() == 1
    assert Message.objects.filter(chatroom=chatroom, author=member).count() == 1
