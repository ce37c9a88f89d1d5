"""v1 edits and deletes messages, and changes channels, through HTTP: who may, what is stored, what it costs."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Channel, ChannelGrant, Message, MessageVersion, ModerationLog, Participant
from tests.api.v1.test_messages import _bulk

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages/"


def send(client, chatroom, body: str, **fields) -> dict:
    response = client.post(URL, {"chatroom": str(chatroom.pk), "body": body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def listed(client, chatroom, query: str = "") -> dict[str, dict]:
    response = client.get(f"{URL}?chatroom={chatroom.pk}&{query}")
    assert response.status_code == 200, response.content
    return {row["id"]: row for row in response.json()["results"]}


def test_the_author_edits_and_list_and_detail_show_the_current_text(client_for, chatroom, owner, member):
    client = client_for(member)
    sent = send(client, chatroom, "teh first try")
    assert sent["edited_at"] is None

    response = client.patch(
        f"{URL}{sent['id']}/", {"body": "<p>the <b>second</b> try<script>x</script></p>", "format": "html"}, "json"
    )

    assert response.status_code == 200, response.content
    edited = response.json()
    assert (edited["text"], edited["html"], edited["format"]) == (
        "the second try",
        "<p>the <b>second</b> try</p>",
        "html",
    )
    assert edited["edited_at"] is not None and edited["sent_at"] == sent["sent_at"]
    reader = client_for(owner)
    assert reader.get(f"{URL}{sent['id']}/").json() == edited
    assert listed(reader, chatroom)[sent["id"]] == edited
    stored = Message.objects.get(pk=sent["id"])
    assert (stored.body, stored.text, stored.edited_at is not None) == (
        "<p>the <b>second</b> try<script>x</script></p>",
        "the second try",
        True,
    )
    assert list(stored.versions.values_list("text", "edited_by")) == [("teh first try", member.pk)]


@pytest.mark.parametrize("editor", ["owner", "admin_member"])
def test_nobody_but_the_author_edits_not_even_an_admin(request, client_for, chatroom, member, editor):
    sent = send(client_for(member), chatroom, "mine")
    response = client_for(request.getfixturevalue(editor)).patch(f"{URL}{sent['id']}/", {"body": "theirs"}, "json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the author may edit a message.", "code": "not_message_author"}
    assert Message.objects.get(pk=sent["id"]).text == "mine"
    assert not MessageVersion.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "required"),
        ({"body": ""}, 400, "blank"),
        ({"body": "x", "format": "rtf"}, 400, "invalid_choice"),
        ({"body": "x" * 70_000}, 413, "message_too_large"),
        ({"body": "<p></p>", "format": "html"}, 400, "empty_message"),
        ({"body": "x", "mentions": ["{outsider}"]}, 400, "invalid_mention"),
        ({"body": "x", "mentions": "nope"}, 400, "not_a_list"),
        ([1, 2], 400, "invalid"),
    ],
)
def test_a_bad_edit_is_a_4xx_with_the_error_body_and_changes_nothing(
    client_for, chatroom, member, outsider, body, status, code
):
    client = client_for(member)
    sent = send(client, chatroom, "fine")
    if isinstance(body, dict) and "mentions" in body and isinstance(body["mentions"], list):
        body = {**body, "mentions": [str(outsider.pk)]}
    response = client.patch(f"{URL}{sent['id']}/", body, format="json")
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == code
    assert Message.objects.get(pk=sent["id"]).text == "fine"
    assert not MessageVersion.objects.exists()


def test_a_message_the_caller_cannot_see_is_not_found_for_edit_and_delete(client_for, chatroom, owner, member):
    private = Channel.objects.create(chatroom=chatroom, name="private", public=False)
    secret = send(client_for(owner), chatroom, "secret", channel=str(private.pk))
    client = client_for(member)
    for target in (secret["id"], str(uuid.uuid4())):
        assert client.patch(f"{URL}{target}/", {"body": "x"}, format="json").status_code == 404
        assert client.delete(f"{URL}{target}/").status_code == 404
    assert Message.objects.get(pk=secret["id"]).deleted_at is None


def test_an_author_who_may_no_longer_write_there_cannot_edit(client_for, chatroom, owner, member):
    side = Channel.objects.create(chatroom=chatroom, name="side")
    client = client_for(member)
    sent = send(client, chatroom, "news", channel=str(side.pk))
    ChannelGrant.objects.create(channel=side, user=member, r=True, w=False, x=False)
    response = client.patch(f"{URL}{sent['id']}/", {"body": "changed"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "no_w_permission"
    # Deleting one's own message needs no write permission.
    assert client.delete(f"{URL}{sent['id']}/").status_code == 204


def test_an_edit_names_its_mentions_or_keeps_those_its_text_still_names(client_for, chatroom, owner, member, make_user):
    dora = make_user("dora", display_name="Dora")
    Participant.objects.create(chatroom=chatroom, user=dora)
    client = client_for(owner)
    sent = send(client, chatroom, "hi @member and @Dora", mentions=[str(member.pk), str(dora.pk)])

    def mentioned(message_id: str) -> set[str]:
        return {user["id"] for user in client.get(f"{URL}{message_id}/").json()["mentions"]}

    # Not restated: the mentions whose names are gone from the text go.
    client.patch(f"{URL}{sent['id']}/", {"body": "hi @dora"}, format="json")
    assert mentioned(sent["id"]) == {str(dora.pk)}
    assert sent["id"] not in listed(client_for(member), chatroom, "mentions_me=true")
    assert sent["id"] in listed(client_for(dora), chatroom, "mentions_me=true")
    # Restated: exactly those.
    client.patch(f"{URL}{sent['id']}/", {"body": "hi all", "mentions": [str(member.pk)]}, format="json")
    assert mentioned(sent["id"]) == {str(member.pk)}
    client.patch(f"{URL}{sent['id']}/", {"body": "hi nobody", "mentions": []}, format="json")
    assert mentioned(sent["id"]) == set()
    assert not Message.objects.get(pk=sent["id"]).mentions.exists()


def test_the_author_deletes_their_own_and_it_is_gone_from_list_and_detail(client_for, chatroom, owner, member):
    client = client_for(member)
    kept, gone = send(client, chatroom, "kept"), send(client, chatroom, "gone")

    response = client.delete(f"{URL}{gone['id']}/")

    assert response.status_code == 204 and response.content == b""
    reader = client_for(owner)
    assert reader.get(f"{URL}{gone['id']}/").json() == {"detail": "Message not found.", "code": "not_found"}
    assert set(listed(reader, chatroom)) >= {kept["id"]} and gone["id"] not in listed(reader, chatroom)
    assert gone["id"] not in listed(reader, chatroom, "q=gone")
    stored = Message.objects.get(pk=gone["id"])
    assert (stored.deleted_by_id, stored.deleted_at is not None) == (member.pk, True)
    assert not ModerationLog.objects.filter(action="delete").exists()
    # Again: there is nothing to delete, nor to edit.
    assert client.delete(f"{URL}{gone['id']}/").status_code == 404
    assert client.patch(f"{URL}{gone['id']}/", {"body": "back"}, format="json").status_code == 404


@pytest.mark.parametrize("moderator", ["owner", "admin_member"])
def test_a_chatroom_admin_deletes_any_and_the_moderation_log_records_it(
    request, client_for, chatroom, member, moderator
):
    actor = request.getfixturevalue(moderator)
    sent = send(client_for(member), chatroom, "spam")
    assert client_for(actor).delete(f"{URL}{sent['id']}/").status_code == 204
    assert Message.objects.get(pk=sent["id"]).deleted_by_id == actor.pk
    entry = ModerationLog.objects.get(action="delete")
    assert (entry.actor_id, entry.chatroom_id, entry.target) == (actor.pk, chatroom.pk, f"message {sent['id']}")


def test_a_member_cannot_delete_anothers_message(client_for, chatroom, owner, member):
    sent = send(client_for(owner), chatroom, "the owner's")
    response = client_for(member).delete(f"{URL}{sent['id']}/")
    assert response.status_code == 403 and response.json()["code"] == "not_message_author"
    assert Message.objects.get(pk=sent["id"]).deleted_at is None


def test_a_retried_send_answers_the_edited_message_and_conflicts_once_it_is_deleted(client_for, chatroom, member):
    client = client_for(member)
    message_id = str(uuid.uuid4())
    body = {"id": message_id, "chatroom": str(chatroom.pk), "body": "original"}
    assert client.post(URL, body, format="json").status_code == 201
    edited = client.patch(f"{URL}{message_id}/", {"body": "edited"}, format="json").json()

    again = client.post(URL, body, format="json")

    assert again.status_code == 200 and again.json() == edited
    assert client.delete(f"{URL}{message_id}/").status_code == 204
    retried = client.post(URL, body, format="json")
    assert retried.status_code == 409 and retried.json()["code"] == "message_deleted"
    assert Message.objects.filter(pk=message_id).count() == 1


def _history(chatroom, author, count: int) -> None:
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    _bulk(chatroom, channel, count, author=author)


def _queries(request) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return len(queries), response


@pytest.mark.parametrize("history", [10, 5_000])
def test_an_edit_and_a_delete_cost_the_same_queries_whatever_the_history(client_for, chatroom, owner, member, history):
    _history(chatroom, owner, history)
    client = client_for(owner)
    client.get(f"{URL}?chatroom={chatroom.pk}")  # the token's first request writes presence; count steady ones
    first, second = send(client, chatroom, "one @member", mentions=[str(member.pk)]), send(client, chatroom, "two")

    edit_count, edited = _queries(lambda: client.patch(f"{URL}{first['id']}/", {"body": "uno @member"}, format="json"))
    delete_count, deleted = _queries(lambda: client.delete(f"{URL}{second['id']}/"))

    assert edited.status_code == 200 and deleted.status_code == 204
    # Edit: the token, the message's chatroom, the entry; then (in a savepoint) the locked message, its mentions,
    # the earlier version, the update, its event; then the answer and its mentions.
    assert edit_count == 12
    # Delete: the token, the message's chatroom, the entry; then (in a savepoint) the locked message, the update,
    # its event.
    assert delete_count == 8


# Channels.

CHANNELS = "/api/v1/channels/"


@pytest.mark.parametrize("moderator", ["owner", "admin_member"])
def test_a_chatroom_admin_renames_a_channel_and_makes_it_private(request, client_for, chatroom, member, moderator):
    actor = request.getfixturevalue(moderator)
    news = Channel.objects.create(chatroom=chatroom, name="news")
    client = client_for(actor)

    renamed = client.patch(f"{CHANNELS}{news.pk}/", {"name": " headlines "}, format="json")
    both = client.patch(f"{CHANNELS}{news.pk}/", {"name": "staff", "public": False}, format="json")

    assert renamed.status_code == 200 and renamed.json()["name"] == "headlines"
    assert both.status_code == 200, both.content
    assert both.json() == {
        "id": str(news.pk),
        "chatroom": str(chatroom.pk),
        "name": "staff",
        "public": False,
        "is_default": False,
        "permissions": {"r": True, "w": True, "x": True},
    }
    assert both.json() == client.get(f"{CHANNELS}{news.pk}/").json()
    stored = Channel.objects.get(pk=news.pk)
    assert (stored.name, stored.public) == ("staff", False)
    log = list(
        ModerationLog.objects.filter(action="channel").order_by("created_at", "id").values_list("target", flat=True)
    )
    assert log == ["#headlines: renamed from #news", "#staff: renamed from #headlines, made private"]
    # Now private, the member no longer sees it.
    assert client_for(member).get(f"{CHANNELS}{news.pk}/").status_code == 404


def test_a_member_may_not_change_a_channel_and_one_it_cannot_read_is_not_found(client_for, chatroom, member):
    news = Channel.objects.create(chatroom=chatroom, name="news")
    staff = Channel.objects.create(chatroom=chatroom, name="staff", public=False)
    client = client_for(member)
    refused = client.patch(f"{CHANNELS}{news.pk}/", {"name": "mine"}, format="json")
    hidden = client.patch(f"{CHANNELS}{staff.pk}/", {"name": "mine"}, format="json")
    unknown = client.patch(f"{CHANNELS}{uuid.uuid4()}/", {"name": "mine"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_chatroom_admin"
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == {"detail": "Channel not found.", "code": "channel_not_found"}
    assert list(Channel.objects.order_by("name").values_list("name", flat=True)) == ["default", "news", "staff"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "default"}, "duplicate_channel"),
        ({"name": " "}, "blank"),
        ({"name": "x" * 200}, "max_length"),
        ({"public": "maybe"}, "invalid"),
        ({"public": None}, "null"),
        ([1], "invalid"),
    ],
)
def test_a_bad_channel_change_is_a_400_and_changes_nothing(client_for, chatroom, owner, body, code):
    news = Channel.objects.create(chatroom=chatroom, name="news")
    response = client_for(owner).patch(f"{CHANNELS}{news.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == code
    stored = Channel.objects.get(pk=news.pk)
    assert (stored.name, stored.public) == ("news", True)
    assert not ModerationLog.objects.filter(action="channel").exists()


def test_a_channel_change_costs_a_fixed_number_of_queries(client_for, chatroom, owner):
    news = Channel.objects.create(chatroom=chatroom, name="news")
    _history(chatroom, owner, 1_000)
    client = client_for(owner)
    client.get(f"{CHANNELS}?chatroom={chatroom.pk}")
    count, response = _queries(lambda: client.patch(f"{CHANNELS}{news.pk}/", {"public": False}, format="json"))
    assert response.status_code == 200
    # The token, the channel's chatroom, the entry, the channel; then (in a savepoint) its update, its event and
    # the log.
    assert count == 9
