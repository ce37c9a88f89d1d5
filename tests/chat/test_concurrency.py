"""The same message id sent by many clients at once stores one message (real threads, PostgreSQL)."""

import uuid

import pytest

from chat.exceptions import Conflict
from chat.models import Message, Participant
from chat.services.messages import message_post
from tests.chat.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def test_same_id_same_content_stores_one_message_and_all_get_it(chatroom, member):
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    channel_id = chatroom.channels.get(is_default=True).pk
    message_id = uuid.uuid4()

    def send(_number: int) -> tuple[uuid.UUID, bool]:
        message, created = message_post(
            participant=participant, channel_id=channel_id, body="at once", message_id=message_id
        )
        return message.pk, created

    outcomes = run_together(THREADS, send)
    assert [kind for kind, _ in outcomes] == ["ok"] * THREADS, outcomes
    assert {result[0] for _, result in outcomes} == {message_id}
    assert sorted(result[1] for _, result in outcomes) == [False] * (THREADS - 1) + [True]
    assert Message.objects.filter(kind=Message.Kind.TEXT).count() == 1
    assert Message.objects.get(pk=message_id).text == "at once"


def test_same_id_different_content_stores_one_and_the_others_conflict(chatroom, member):
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    channel_id = chatroom.channels.get(is_default=True).pk
    message_id = uuid.uuid4()

    def send(number: int) -> str:
        message, _ = message_post(
            participant=participant, channel_id=channel_id, body=f"version {number}", message_id=message_id
        )
        return message.text

    outcomes = run_together(THREADS, send)
    winners = [result for kind, result in outcomes if kind == "ok"]
    losers = [result for kind, result in outcomes if kind == "error"]
    assert len(winners) == 1 and len(losers) == THREADS - 1
    assert all(isinstance(error, Conflict) for error in losers), losers
    assert Message.objects.filter(kind=Message.Kind.TEXT).count() == 1
    assert Message.objects.get(pk=message_id).text == winners[0]
