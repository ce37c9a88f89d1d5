"""Every change is recorded with its v1 representation, through the real endpoints where one exists."""

import base64
import uuid

import pytest

from chat.events.selectors import event_cursor_now, events_after
from chat.models import Channel, Message, Participant
from chat.services.chatrooms import channel_create, channel_set_public, grant_clear, grant_set
from chat.services.messages import message_delete, message_hide, message_post, message_unhide
from invites.services import invite_create
from tests.access import access_of
from tests.api.origam.helpers import room_url
from tests.api.teahaz.conftest import log_in, post_json, url
from tests.chat.events.conftest import of_type, read_all

# Events are read as the stream reads them: after their transaction has committed.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_sent_through_v1_is_posted_with_the_v1_representation(client_for, owner, member, chatroom):
    cursor = event_cursor_now()
    sent = client_for(owner).post(
        "/api/v1/messages/",
        {"chatroom": str(chatroom.pk), "body": "Hello @member", "mentions": [str(member.pk)]},
        format="json",
    )
    assert sent.status_code == 201, sent.content
    shown = client_for(member).get(f"/api/v1/messages/{sent.json()['id']}/").json()

    posted = of_type(read_all(member, cursor), "message.posted")
    assert len(posted) == 1
    assert posted[0]["chatroom"] == str(chatroom.pk)
    assert posted[0]["data"] == shown
    assert posted[0]["data"]["mentions"] == [{"id": str(member.pk), "username": "member", "name": "member"}]


def test_a_text_and_a_file_sent_through_teahaz_are_posted(api_client, owner, member, chatroom):
    client = api_client
    log_in(client, owner, chatroom)
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    cursor = event_cursor_now()
    text = post_json(
        client, url("messages", chatroom.pk), {"userID": str(owner.pk), "channelID": str(channel.pk), "data": "Hi"}
    )
    assert text.status_code == 200, text.content
    file = post_json(
        client,
        url("files", chatroom.pk),
        {
            "userID": str(owner.pk),
            "channelID": str(channel.pk),
            "filename": "notes.txt",
            "data": base64.b64encode(b"some notes").decode(),
        },
    )
    assert file.status_code == 200, file.content

    posted = of_type(read_all(member, cursor), "message.posted")
    assert [(event["data"]["kind"], event["data"]["text"]) for event in posted] == [
        ("text", "Hi"),
        ("file", Message.objects.get(kind="file").text),
    ]
    assert [event["data"]["id"] for event in posted] == [text.json()["messageID"], file.json()["messageID"]]


def test_edit_and_delete_through_v1_and_hide_and_unhide_are_recorded(client_for, owner, member, chatroom):
    access = access_of(Participant.objects.get(chatroom=chatroom, user=owner))
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    message, _ = message_post(access=access, channel_id=channel.pk, body="first")
    other, _ = message_post(access=access, channel_id=channel.pk, body="to be deleted")
    cursor = event_cursor_now()
    client = client_for(owner)
    edited = client.patch(f"/api/v1/messages/{message.pk}/", {"body": "second"}, format="json")
    assert edited.status_code == 200, edited.content
    message_hide(message=Message.objects.get(pk=message.pk), actor=owner, reason="spam")
    message_unhide(message=Message.objects.get(pk=message.pk), actor=owner)
    assert client.delete(f"/api/v1/messages/{other.pk}/").status_code == 204

    kinds = ["message.edited", "message.hidden", "message.unhidden", "message.deleted"]
    events = of_type(read_all(member, cursor), *kinds)
    assert [event["type"] for event in events] == kinds
    edited_data, hidden, unhidden, deleted = (event["data"] for event in events)
    assert edited_data == unhidden == client_for(member).get(f"/api/v1/messages/{message.pk}/").json()
    assert edited_data["text"] == "second"
    assert hidden == {"id": str(message.pk), "chatroom": str(chatroom.pk), "channel": str(channel.pk)}
    assert deleted == {"id": str(other.pk), "chatroom": str(chatroom.pk), "channel": str(channel.pk)}


def test_a_hidden_or_deleted_message_is_not_shown_by_its_earlier_events(owner, member, chatroom):
    access = access_of(Participant.objects.get(chatroom=chatroom, user=owner))
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    cursor = event_cursor_now()
    hidden, _ = message_post(access=access, channel_id=channel.pk, body="rude")
    deleted, _ = message_post(access=access, channel_id=channel.pk, body="oops")
    kept, _ = message_post(access=access, channel_id=channel.pk, body="fine")
    message_hide(message=hidden, actor=owner, reason="rude")
    message_delete(access=access, message_id=deleted.pk)

    batch = read_all(member, cursor)
    assert [event["data"]["id"] for event in of_type(batch, "message.posted")] == [str(kept.pk)]
    assert "rude" not in str(batch.events) and "oops" not in str(batch.events)
    assert [event["type"] for event in of_type(batch, "message.hidden", "message.deleted")] == [
        "message.hidden",
        "message.deleted",
    ]


def test_membership_changes_through_v1_are_recorded(client_for, owner, member, outsider, chatroom):
    cursor = event_cursor_now()
    invite = invite_create(chatroom=chatroom, created_by=owner)
    joined = client_for(outsider).post(
        f"/api/v1/invites/{invite.pk}/redeem/", {"chatroom": str(chatroom.pk)}, format="json"
    )
    assert joined.status_code == 200, joined.content
    newcomer = Participant.objects.get(chatroom=chatroom, user=outsider)
    boss = client_for(owner)
    assert boss.patch(f"/api/v1/participants/{newcomer.pk}/", {"role": "admin"}, format="json").status_code == 200
    assert boss.post(f"/api/v1/participants/{newcomer.pk}/ban/", {"reason": "x"}, format="json").status_code == 200
    assert boss.post(f"/api/v1/participants/{newcomer.pk}/unban/").status_code == 200
    assert boss.delete(f"/api/v1/participants/{newcomer.pk}/").status_code == 204

    kinds = ("participant.joined", "participant.role_changed", "participant.banned", "participant.unbanned")
    seen = of_type(read_all(member, cursor), *kinds, "participant.left")
    assert [(event["type"], event["data"]["role"], event["data"]["state"]) for event in seen] == [
        ("participant.joined", "member", "active"),
        ("participant.role_changed", "admin", "active"),
        ("participant.banned", "member", "banned"),
        ("participant.unbanned", "member", "active"),
        ("participant.left", "member", "active"),
    ]
    shown = seen[0]["data"]
    assert shown["id"] == newcomer.pk and shown["user"]["id"] == str(outsider.pk)
    assert shown["presence"] == "none" and set(shown) == {
        "id",
        "chatroom",
        "user",
        "role",
        "state",
        "presence",
        "joined_at",
        "last_seen_at",
    }


def test_the_owner_passing_on_and_leaving_are_recorded(client_for, owner, member, admin_member, chatroom):
    cursor = event_cursor_now()
    theirs = Participant.objects.get(chatroom=chatroom, user=member)
    answer = client_for(owner).patch(f"/api/v1/participants/{theirs.pk}/", {"role": "owner"}, format="json")
    assert answer.status_code == 200, answer.content
    assert client_for(member).post(f"/api/v1/chatrooms/{chatroom.pk}/leave/").status_code == 204

    roles = [
        (event["data"]["user"]["username"], event["data"]["role"])
        for event in of_type(read_all(admin_member, cursor), "participant.role_changed")
    ]
    # The old owner is demoted, the new one promoted; leaving, the new owner passes it to the longest-standing admin.
    assert roles == [("owner", "admin"), ("member", "owner"), ("owner", "owner")]


def test_origam_adds_a_participant_and_renames_the_chatroom(session, owner, member, outsider, chatroom):
    cursor = event_cursor_now()
    client = session(owner)
    added = client.post(room_url(chatroom, "inviteUser"), {"userId": str(outsider.pk)}, format="json")
    assert added.status_code == 200, added.content
    renamed = client.post(room_url(chatroom, "info"), {"topic": "Coffee room"}, format="json")
    assert renamed.status_code == 200, renamed.content

    batch = read_all(member, cursor)
    assert [event["data"]["user"]["id"] for event in of_type(batch, "participant.joined")] == [str(outsider.pk)]
    assert [event["data"] for event in of_type(batch, "chatroom.renamed")] == [
        {
            "id": str(chatroom.pk),
            "name": "Coffee room",
            "created_at": chatroom.created_at.isoformat(),
            "role": "member",
        }
    ]


def test_channels_and_grants_are_recorded_with_the_readers_own_rights(client_for, owner, member, chatroom):
    cursor = event_cursor_now()
    created = client_for(owner).post(
        "/api/v1/channels/", {"chatroom": str(chatroom.pk), "name": "staff", "public": False}, format="json"
    )
    assert created.status_code == 201, created.content
    staff = Channel.objects.get(pk=created.json()["id"])
    # The member cannot read the new private channel: they are not told of it.
    assert of_type(read_all(member, cursor), "channel.created") == []
    assert [event["data"]["name"] for event in of_type(read_all(owner, cursor), "channel.created")] == ["staff"]

    after_creation = read_all(member, cursor).cursor
    owner_access = access_of(Participant.objects.get(chatroom=chatroom, user=owner))
    grant_set(channel=staff, user=member, r=True, w=False, x=False, actor=owner)
    granted = of_type(read_all(member, after_creation), "channel.permissions_changed")
    assert [event["data"]["permissions"] for event in granted] == [{"r": True, "w": False, "x": False}]
    assert granted[0]["data"]["name"] == "staff"
    channel_set_public(access=owner_access, channel_id=staff.pk, public=True)
    grant_clear(channel=staff, user=member, actor=owner)

    told = of_type(read_all(member, after_creation), "channel.permissions_changed", "channel.changed")
    assert [event["type"] for event in told] == [
        "channel.permissions_changed",
        "channel.changed",
        "channel.permissions_changed",
    ]
    # Each carries the member's rights as they are when read (public, no grant): read and write.
    assert [event["data"]["permissions"] for event in told] == [{"r": True, "w": True, "x": False}] * 3
    # A grant change is told only to the user whose rights changed.
    assert of_type(read_all(owner, cursor), "channel.permissions_changed") == []


def test_a_channel_made_private_tells_those_who_lost_it_only_that(owner, member, chatroom):
    side = channel_create(chatroom=chatroom, name="side")
    owner_access = access_of(Participant.objects.get(chatroom=chatroom, user=owner))
    cursor = event_cursor_now()
    channel_set_public(access=owner_access, channel_id=side.pk, public=False)

    changed = of_type(read_all(member, cursor), "channel.changed")
    assert [event["data"] for event in changed] == [
        {"id": str(side.pk), "chatroom": str(chatroom.pk), "permissions": {"r": False, "w": False, "x": False}}
    ]


def test_presence_is_recorded_when_it_is_written_and_the_read_marker_only_for_its_owner(
    client_for, owner, member, chatroom
):
    access = access_of(Participant.objects.get(chatroom=chatroom, user=owner))
    message_post(access=access, channel_id=access.default_channel.id, body="news")
    cursor = event_cursor_now()
    client = client_for(member)
    # An Origam poll enters the chatroom (presence) and marks the page read.
    assert client.get(room_url(chatroom, "polledData")).status_code == 200
    assert client.get(room_url(chatroom, "polledData")).status_code == 200

    mine = read_all(member, cursor)
    presence = of_type(mine, "presence.changed")
    # Written once per interval: the second poll wrote nothing.
    assert [(event["data"]["user"]["id"], event["data"]["presence"]) for event in presence] == [
        (str(member.pk), "online")
    ]
    marker = of_type(mine, "read_marker.moved")
    stored = Participant.objects.get(chatroom=chatroom, user=member).last_read_at
    assert [event["data"] for event in marker] == [{"chatroom": str(chatroom.pk), "last_read_at": stored.isoformat()}]
    theirs = read_all(owner, cursor)
    assert len(of_type(theirs, "presence.changed")) == 1
    assert of_type(theirs, "read_marker.moved") == []


def test_a_new_chatroom_tells_its_owner_through_teahaz(api_client, db):
    cursor = event_cursor_now()
    created = post_json(
        api_client,
        url("chatroom"),
        {"username": "tess", "password": "correct horse battery", "chatroom_name": "Tea party"},
    )
    assert created.status_code == 200, created.content
    tess = Participant.objects.get(chatroom_id=created.json()["chatroomID"]).user

    batch = events_after(user=tess, cursor=cursor)
    assert [event["type"] for event in batch.events] == ["message.posted", "participant.joined"]
    assert {event["chatroom"] for event in batch.events} == {created.json()["chatroomID"]}
    assert uuid.UUID(batch.events[1]["data"]["user"]["id"]) == tess.pk
