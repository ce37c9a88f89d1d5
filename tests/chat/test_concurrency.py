"""Real threads on PostgreSQL: the same message id sent at once stores one message; leavers racing keep an owner."""

import uuid

import pytest

from chat.exceptions import Conflict
from chat.models import Message, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.messages import message_post
from chat.services.participants import participant_add, participant_remove
from tests.access import access_of
from tests.chat.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10
# Two leavers race in a narrow window: several rounds make a lost owner show.
ROUNDS = 20


def test_same_id_same_content_stores_one_message_and_all_get_it(chatroom, member):
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    channel_id = chatroom.channels.get(is_default=True).pk
    message_id = uuid.uuid4()

    def send(_number: int) -> tuple[uuid.UUID, bool]:
        message, created = message_post(
            access=access_of(participant), channel_id=channel_id, body="at once", message_id=message_id
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
            access=access_of(participant), channel_id=channel_id, body=f"version {number}", message_id=message_id
        )
        return message.text

    outcomes = run_together(THREADS, send)
    winners = [result for kind, result in outcomes if kind == "ok"]
    losers = [result for kind, result in outcomes if kind == "error"]
    assert len(winners) == 1 and len(losers) == THREADS - 1
    assert all(isinstance(error, Conflict) for error in losers), losers
    assert Message.objects.filter(kind=Message.Kind.TEXT).count() == 1
    assert Message.objects.get(pk=message_id).text == winners[0]


def test_the_owner_and_the_heir_leaving_at_once_leave_the_chatroom_an_owner(make_user):
    for round_number in range(ROUNDS):
        owner = make_user(f"owner{round_number}")
        heir = make_user(f"heir{round_number}")
        stayer = make_user(f"stayer{round_number}")
        chatroom = chatroom_create(creator=owner, name="Leaving")
        participant_add(chatroom=chatroom, user=heir, role=Participant.Role.ADMIN)
        participant_add(chatroom=chatroom, user=stayer)
        leavers = [Participant.objects.get(chatroom=chatroom, user=user) for user in (owner, heir)]

        def leave(number: int, leavers: list[Participant] = leavers) -> None:
            participant_remove(participant=leavers[number], actor=None)

        outcomes = run_together(2, leave)
        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        remaining = dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))
        assert remaining == {stayer.username: Participant.Role.OWNER}, (round_number, remaining)
