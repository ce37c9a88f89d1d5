"""Chatrooms, channels and grants: what each service writes and what it refuses."""

import pytest
from django.db import connection

from chat.exceptions import Invalid, NotFound
from chat.models import Channel, ChannelGrant, Chatroom, Message, ModerationLog, Participant
from chat.services.chatrooms import (
    channel_create,
    chatroom_create,
    chatroom_rename,
    default_channel,
    grant_clear,
    grant_set,
)
from chat.services.participants import participant_ban

pytestmark = pytest.mark.django_db


def test_chatroom_create_writes_channel_owner_welcome_and_invited_users(make_user):
    creator = make_user("Creator")
    friends = [make_user("friend1"), make_user("friend2")]
    chatroom = chatroom_create(creator=creator, name="  Book club  ", invite_users=[*friends, creator])

    assert chatroom.name == "Book club" and chatroom.created_by == creator
    channel = Channel.objects.get(chatroom=chatroom)
    assert (channel.name, channel.public, channel.is_default) == ("default", True, True)
    roles = dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))
    assert roles == {"Creator": "owner", "friend1": "member", "friend2": "member"}
    assert set(Participant.objects.filter(chatroom=chatroom, role="member").values_list("invited_by", flat=True)) == {
        creator.pk
    }
    welcome = Message.objects.get(chatroom=chatroom)
    assert welcome.kind == Message.Kind.SYSTEM and welcome.author is None and welcome.channel == channel
    assert welcome.body == welcome.text == "Welcome Creator!"
    assert welcome.html == "<p>Welcome Creator!</p>"


def test_chatroom_create_keeps_the_reference(owner):
    import uuid

    record = uuid.uuid4()
    chatroom = chatroom_create(creator=owner, name="Ticket", reference_category="crm", reference_record_id=record)
    chatroom.refresh_from_db()
    assert (chatroom.reference_category, chatroom.reference_record_id) == ("crm", record)


@pytest.mark.parametrize("name", ["", "   ", None, 42, "x" * 101, "nul\x00byte", "lone \ud800 surrogate"])
def test_chatroom_create_refuses_bad_names_and_writes_nothing(owner, name):
    with pytest.raises(Invalid):
        chatroom_create(creator=owner, name=name)
    assert not Chatroom.objects.exists()
    assert not Message.objects.exists()


def test_chatroom_create_is_atomic_when_an_invited_user_cannot_join(owner, make_user):
    inactive = make_user("gone", is_active=False)
    with pytest.raises(Invalid):
        chatroom_create(creator=owner, name="Doomed", invite_users=[inactive])
    assert not Chatroom.objects.exists()


@pytest.mark.parametrize("invited", [2, 40])
def test_chatroom_create_costs_the_same_queries_however_many_are_invited(
    owner, make_user, invited, django_assert_num_queries
):
    users = [make_user() for _ in range(invited)]
    # savepoint, chatroom, channel, owner, the welcome (its place, INSERT and event in one statement on
    # PostgreSQL; an UPDATE, a SELECT, the INSERT and the event on SQLite), the invited, everyone's joined events
    # (one INSERT), release
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 11):
        chatroom = chatroom_create(creator=owner, name="Crowd", invite_users=users)
    assert chatroom.participants.count() == invited + 1


def test_chatroom_rename(chatroom):
    chatroom_rename(chatroom=chatroom, name=" New topic ")
    chatroom.refresh_from_db()
    assert chatroom.name == "New topic"
    with pytest.raises(Invalid) as error:
        chatroom_rename(chatroom=chatroom, name="")
    assert error.value.code == "invalid_chatroom_name"
    with pytest.raises(Invalid):
        chatroom_rename(chatroom=chatroom, name="t" * 101)
    chatroom.refresh_from_db()
    assert chatroom.name == "New topic"


def test_channel_create(chatroom):
    channel = channel_create(chatroom=chatroom, name="staff", public=False)
    stored = Channel.objects.get(pk=channel.pk)
    assert (stored.name, stored.public, stored.is_default, stored.chatroom_id) == ("staff", False, False, chatroom.pk)


def test_channel_create_refuses_a_duplicate_name(chatroom):
    channel_create(chatroom=chatroom, name="news")
    with pytest.raises(Invalid) as error:
        channel_create(chatroom=chatroom, name=" news ")
    assert error.value.code == "duplicate_channel"
    assert Channel.objects.filter(chatroom=chatroom, name="news").count() == 1


def test_channel_create_name_length(chatroom):
    assert channel_create(chatroom=chatroom, name="n" * 64).name == "n" * 64
    for name in ("n" * 65, "", "  ", None):
        with pytest.raises(Invalid) as error:
            channel_create(chatroom=chatroom, name=name)
        assert error.value.code == "invalid_channel_name"
    with pytest.raises(Invalid):
        channel_create(chatroom=chatroom, name="ok", public="yes")
    assert Channel.objects.filter(chatroom=chatroom).count() == 2


def test_default_channel(chatroom, owner):
    assert default_channel(chatroom_id=chatroom.pk) == Channel.objects.get(chatroom=chatroom, is_default=True)
    Channel.objects.filter(chatroom=chatroom).update(is_default=False)
    with pytest.raises(NotFound):
        default_channel(chatroom_id=chatroom.pk)


def test_grant_set_replaces_and_grant_clear_removes_with_a_trail(chatroom, owner, member):
    channel = channel_create(chatroom=chatroom, name="staff", public=False)
    grant_set(channel=channel, user=member, r=True, w=False, x=False, actor=owner)
    grant_set(channel=channel, user=member, r=True, w=True, x=False, actor=owner)
    grant = ChannelGrant.objects.get(channel=channel, user=member)
    assert (grant.r, grant.w, grant.x, grant.granted_by) == (True, True, False, owner)

    assert grant_clear(channel=channel, user=member, actor=owner) is True
    assert not ChannelGrant.objects.filter(channel=channel, user=member).exists()
    assert grant_clear(channel=channel, user=member, actor=owner) is False

    trail = list(
        ModerationLog.objects.filter(chatroom=chatroom).order_by("pk").values_list("actor", "action", "target")
    )
    assert trail == [
        (owner.pk, "grant:r--", "member on #staff"),
        (owner.pk, "grant:rw-", "member on #staff"),
        (owner.pk, "grant:clear", "member on #staff"),
    ]


def test_grant_set_refuses_non_booleans(chatroom, owner, member):
    channel = channel_create(chatroom=chatroom, name="staff", public=False)
    with pytest.raises(Invalid):
        grant_set(channel=channel, user=member, r="yes", w=False, x=False, actor=owner)
    assert not ChannelGrant.objects.exists()


def test_banned_participant_can_still_be_granted(chatroom, owner, member):
    # A grant outlives a ban: it applies again once the ban is lifted.
    channel = channel_create(chatroom=chatroom, name="staff", public=False)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=member), actor=owner)
    grant_set(channel=channel, user=member, r=True, w=False, x=False, actor=owner)
    assert ChannelGrant.objects.filter(channel=channel, user=member).exists()
