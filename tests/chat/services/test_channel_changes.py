"""Renaming channels and making them public or private: chatroom admins only, logged, names unique."""

import uuid

import pytest

from chat.exceptions import Forbidden, Invalid, NotFound
from chat.models import Channel, ModerationLog, Participant
from chat.services.chatrooms import (
    channel_create,
    channel_rename,
    channel_set_public,
    channel_update,
    chatroom_create,
    grant_set,
)
from tests.access import access_of

pytestmark = pytest.mark.django_db


def access(chatroom, user):
    return access_of(Participant.objects.get(chatroom=chatroom, user=user))


@pytest.fixture
def news(chatroom) -> Channel:
    return channel_create(chatroom=chatroom, name="news")


@pytest.mark.parametrize("moderator", ["owner", "admin_member"])
def test_a_chatroom_admin_renames_and_flips_public(request, chatroom, news, moderator):
    actor = request.getfixturevalue(moderator)
    renamed = channel_rename(access=access(chatroom, actor), channel_id=news.pk, name="  headlines ")
    assert renamed.name == "headlines"
    private = channel_set_public(access=access(chatroom, actor), channel_id=news.pk, public=False)
    assert private.public is False
    stored = Channel.objects.get(pk=news.pk)
    assert (stored.name, stored.public) == ("headlines", False)
    targets = list(ModerationLog.objects.filter(action="channel", actor=actor).order_by("created_at", "id"))
    assert [entry.target for entry in targets] == ["#headlines: renamed from #news", "#headlines: made private"]
    assert {entry.chatroom_id for entry in targets} == {chatroom.pk}


def test_a_change_to_the_same_value_writes_nothing(chatroom, owner, news):
    channel_rename(access=access(chatroom, owner), channel_id=news.pk, name="news")
    channel_set_public(access=access(chatroom, owner), channel_id=news.pk, public=True)
    assert not ModerationLog.objects.filter(action="channel").exists()


def test_a_member_may_not(chatroom, member, news):
    with pytest.raises(Forbidden) as error:
        channel_rename(access=access(chatroom, member), channel_id=news.pk, name="mine")
    assert error.value.code == "not_chatroom_admin"
    with pytest.raises(Forbidden):
        channel_set_public(access=access(chatroom, member), channel_id=news.pk, public=False)
    assert Channel.objects.filter(pk=news.pk, name="news", public=True).exists()


def test_a_channel_the_member_cannot_read_is_not_found(chatroom, owner, member, news):
    grant_set(channel=news, user=member, r=False, w=False, x=False, actor=owner)
    with pytest.raises(NotFound) as error:
        channel_rename(access=access(chatroom, member), channel_id=news.pk, name="mine")
    assert error.value.code == "channel_not_found"


def test_a_channel_of_another_chatroom_is_not_found(chatroom, owner, make_user):
    elsewhere = chatroom_create(creator=make_user("other"), name="Elsewhere")
    theirs = channel_create(chatroom=elsewhere, name="theirs")
    with pytest.raises(NotFound):
        channel_rename(access=access(chatroom, owner), channel_id=theirs.pk, name="ours")
    with pytest.raises(NotFound):
        channel_set_public(access=access(chatroom, owner), channel_id=uuid.uuid4(), public=False)
    assert Channel.objects.get(pk=theirs.pk).name == "theirs"


@pytest.mark.parametrize(("name", "code"), [("default", "duplicate_channel"), ("  ", "invalid_channel_name")])
def test_a_bad_or_taken_name_is_refused(chatroom, owner, news, name, code):
    with pytest.raises(Invalid) as error:
        channel_rename(access=access(chatroom, owner), channel_id=news.pk, name=name)
    assert error.value.code == code
    assert Channel.objects.get(pk=news.pk).name == "news"
    assert not ModerationLog.objects.filter(action="channel").exists()


def test_public_must_be_a_boolean(chatroom, owner, news):
    with pytest.raises(Invalid) as error:
        channel_set_public(access=access(chatroom, owner), channel_id=news.pk, public="no")
    assert error.value.code == "invalid_public"


def test_one_update_renames_and_makes_private_with_one_log_row(chatroom, owner, member, news):
    changed = channel_update(access=access(chatroom, owner), channel_id=news.pk, name="staff", public=False)
    assert (changed.name, changed.public) == ("staff", False)
    assert list(ModerationLog.objects.filter(action="channel").values_list("target", flat=True)) == [
        "#staff: renamed from #news, made private"
    ]
    # Private now: a member without a grant no longer reads it, so it is not found for them.
    with pytest.raises(NotFound):
        channel_update(access=access(chatroom, member), channel_id=news.pk, name="mine")


def test_an_update_that_fails_changes_nothing(chatroom, owner, news):
    with pytest.raises(Invalid):
        channel_update(access=access(chatroom, owner), channel_id=news.pk, name="default", public=False)
    stored = Channel.objects.get(pk=news.pk)
    assert (stored.name, stored.public) == ("news", True)
    assert not ModerationLog.objects.exists()
