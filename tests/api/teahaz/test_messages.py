"""GET /messages (since and count) and POST /messages: bounds, order, limits, filters, idempotency, sizes."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import Channel, Message, Participant, User
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_hide, message_post
from chat.text import text_to_html
from tests.access import access_of
from tests.api.teahaz.conftest import as_user, post_json, random_id, url

BASE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def default_channel(chatroom) -> Channel:
    return Channel.objects.get(chatroom=chatroom, is_default=True)


def stored(user: User, chatroom, text: str, *, channel: Channel | None = None, at: float | None = None) -> Message:
    """A message posted through the service; `at` moves it to BASE + at seconds (a fixed clock)."""
    participant = Participant.objects.get(user=user, chatroom=chatroom)
    message, _ = message_post(
        access=access_of(participant), channel_id=(channel or default_channel(chatroom)).id, body=text
    )
    if at is not None:
        Message.objects.filter(pk=message.pk).update(sent_at=BASE + timedelta(seconds=at))
        message.refresh_from_db()
    return message


def get_messages(client: APIClient, user: User, chatroom, **params: str):
    headers = {**as_user(user), **params}
    return client.get(url("messages", chatroom.id), headers=headers)


def since(client, user, chatroom, seconds: float, **params: str):
    return get_messages(client, user, chatroom, **{"get-method": "since", "time": repr(epoch(seconds)), **params})


def epoch(seconds: float) -> float:
    return (BASE + timedelta(seconds=seconds)).timestamp()


def texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [message["data"] for message in response.json()]


@pytest.fixture
def room(chatroom):
    """The chatroom without its welcome message, so that only a test's own messages count."""
    Message.objects.filter(chatroom=chatroom).delete()
    return chatroom


# GET since


def test_since_is_inclusive_oldest_first(logged_in, owner, room):
    for i in range(5):
        stored(owner, room, f"m{i}", at=i)
    client = logged_in(owner)
    assert texts(since(client, owner, room, 2)) == ["m2", "m3", "m4"]
    assert texts(since(client, owner, room, 2.000001)) == ["m3", "m4"]
    assert texts(since(client, owner, room, 10)) == []


def test_since_answers_at_most_100_and_pages_forward_from_the_last_send_time(logged_in, owner, room):
    for i in range(130):
        stored(owner, room, f"m{i}", at=i)
    client = logged_in(owner)
    first = since(client, owner, room, 0)
    assert texts(first) == [f"m{i}" for i in range(100)]
    last_time = first.json()[-1]["send_time"]
    second = get_messages(client, owner, room, **{"get-method": "since", "time": repr(last_time)})
    # Inclusive: the last message comes again; the client drops ids it has.
    assert texts(second) == [f"m{i}" for i in range(99, 130)]


def test_since_round_trips_microseconds(logged_in, owner, room):
    message = stored(owner, room, "precise", at=0.123457)
    client = logged_in(owner)
    body = since(client, owner, room, 0).json()
    assert body[0]["send_time"] == message.sent_at.timestamp()
    assert datetime.fromtimestamp(body[0]["send_time"], tz=UTC) == message.sent_at
    again = get_messages(client, owner, room, **{"get-method": "since", "time": repr(body[0]["send_time"])})
    assert texts(again) == ["precise"]


def test_since_needs_a_time(logged_in, owner, room):
    response = get_messages(logged_in(owner), owner, room, **{"get-method": "since"})
    assert response.status_code == 400
    assert response.json()["code"] == "time_required"


# GET count


def test_count_defaults_to_the_newest_10_newest_first(logged_in, owner, room):
    for i in range(15):
        stored(owner, room, f"m{i}", at=i)
    response = get_messages(logged_in(owner), owner, room, **{"get-method": "count"})
    assert texts(response) == [f"m{i}" for i in range(14, 4, -1)]


def test_count_with_a_time_is_inclusive_and_newest_first(logged_in, owner, room):
    for i in range(10):
        stored(owner, room, f"m{i}", at=i)
    response = get_messages(
        logged_in(owner), owner, room, **{"get-method": "count", "count": "3", "time": repr(epoch(5))}
    )
    assert texts(response) == ["m5", "m4", "m3"]


def test_count_above_100_is_cut_to_100(logged_in, owner, room):
    for i in range(105):
        stored(owner, room, f"m{i}", at=i)
    client = logged_in(owner)
    for count in ("101", "500", "99999999999999999999999999"):
        response = get_messages(client, owner, room, **{"get-method": "count", "count": count})
        assert texts(response) == [f"m{i}" for i in range(104, 4, -1)]


def test_count_time_defaults_to_now(logged_in, owner, room):
    stored(owner, room, "past", at=0)
    future = stored(owner, room, "future")
    Message.objects.filter(pk=future.pk).update(sent_at=timezone.now() + timedelta(hours=1))
    response = get_messages(logged_in(owner), owner, room, **{"get-method": "count"})
    assert texts(response) == ["past"]


@pytest.mark.parametrize("count", ["0", "-1", "abc", "2.5", "1e3", "", "٣"])
def test_count_below_1_or_not_an_integer_is_400(logged_in, owner, room, count):
    response = get_messages(logged_in(owner), owner, room, **{"get-method": "count", "count": count})
    if count == "":
        assert response.status_code == 200  # an empty header is an absent one: the default
        return
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_count"


@pytest.mark.parametrize("method", [None, "bogus", "SINCE", "all"])
def test_get_method_is_required_and_must_be_since_or_count(logged_in, owner, room, method):
    params = {"time": "0"} if method is None else {"get-method": method, "time": "0"}
    response = get_messages(logged_in(owner), owner, room, **params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_get_method"


@pytest.mark.parametrize("get_method", ["since", "count"])
@pytest.mark.parametrize("time", ["nan", "inf", "-inf", "1e300", "-5", "abc", "0x10", "253402300800", "1" * 400])
def test_times_that_are_not_sane_epochs_are_400(logged_in, owner, room, get_method, time):
    response = get_messages(logged_in(owner), owner, room, **{"get-method": get_method, "time": time})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_time"


def test_the_edges_of_the_time_range_work(logged_in, owner, room):
    stored(owner, room, "now")
    client = logged_in(owner)
    assert texts(get_messages(client, owner, room, **{"get-method": "since", "time": "0"})) == ["now"]
    assert texts(get_messages(client, owner, room, **{"get-method": "count", "time": "253402300799"})) == ["now"]


def test_parameters_fall_back_to_the_query_string(logged_in, owner, room):
    for i in range(3):
        stored(owner, room, f"m{i}", at=i)
    client = logged_in(owner)
    response = client.get(url("messages", room.id), {"userID": "owner", "get-method": "count", "count": "2"})
    assert texts(response) == ["m2", "m1"]
    # Headers win over the query string.
    response = client.get(
        url("messages", room.id), {"get-method": "since", "count": "1"}, headers={**as_user(owner), "count": "2"}
    )
    assert response.status_code == 400  # since without a time: the query's get-method was used, and no time
    response = client.get(
        url("messages", room.id),
        {"get-method": "bogus", "count": "1"},
        headers={"get-method": "count", "count": "2", **as_user(owner)},
    )
    assert texts(response) == ["m2", "m1"]


# What a page holds


def test_message_datatype(logged_in, owner, member, room):
    first = stored(owner, room, "first", at=0)
    participant = Participant.objects.get(user=member, chatroom=room)
    reply, _ = message_post(
        access=access_of(participant), channel_id=first.channel_id, body="b64data==", key_id="k1", reply_to_id=first.id
    )
    Message.objects.filter(pk=reply.pk).update(sent_at=BASE + timedelta(seconds=1))
    body = since(logged_in(owner), owner, room, 0).json()
    assert body == [
        {
            "messageID": str(first.id),
            "channelID": str(first.channel_id),
            "userID": str(owner.id),
            "username": owner.username,
            "replyID": None,
            "keyID": None,
            "send_time": epoch(0),
            "time": epoch(0),
            "type": "text",
            "data": "first",
        },
        {
            "messageID": str(reply.id),
            "channelID": str(first.channel_id),
            "userID": str(member.id),
            "username": member.username,
            "replyID": str(first.id),
            "keyID": "k1",
            "send_time": epoch(1),
            "time": epoch(1),
            "type": "text",
            "data": "b64data==",
        },
    ]
    assert isinstance(body[0]["send_time"], float)


def test_the_welcome_is_a_system_message_without_user(logged_in, owner, chatroom):
    body = get_messages(logged_in(owner), owner, chatroom, **{"get-method": "count"}).json()
    assert [(m["type"], m["userID"], m["data"]) for m in body] == [("system", None, "Welcome owner!")]


def test_hidden_messages_are_never_returned(logged_in, owner, room):
    stored(owner, room, "keep", at=0)
    message_hide(message=stored(owner, room, "spam", at=1), actor=owner, reason="spam")
    client = logged_in(owner)
    assert texts(since(client, owner, room, 0)) == ["keep"]
    assert texts(get_messages(client, owner, room, **{"get-method": "count"})) == ["keep"]


def test_channel_filter_and_readable_channels_only(logged_in, owner, member, room):
    side = channel_create(chatroom=room, name="side")
    secret = channel_create(chatroom=room, name="secret", public=False)
    stored(owner, room, "in default", at=0)
    stored(owner, room, "in side", channel=side, at=1)
    stored(owner, room, "in secret", channel=secret, at=2)
    member_client = logged_in(member)
    assert texts(since(member_client, member, room, 0)) == ["in default", "in side"]
    assert texts(since(member_client, member, room, 0, channelID=str(side.id))) == ["in side"]
    for channel_id in (str(secret.id), random_id()):
        response = since(member_client, member, room, 0, channelID=channel_id)
        assert response.status_code == 404
        assert response.json()["code"] == "channel_not_found"
    malformed = since(member_client, member, room, 0, channelID="nope")
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_channelID"
    assert texts(since(logged_in(owner), owner, room, 0)) == ["in default", "in side", "in secret"]


def test_a_channel_of_another_chatroom_is_404(logged_in, owner, room):
    other = chatroom_create(creator=owner, name="Other")
    response = since(logged_in(owner), owner, room, 0, channelID=str(default_channel(other).id))
    assert response.status_code == 404


def test_a_read_only_member_reads_but_cannot_post(logged_in, owner, member, room):
    grant_set(channel=default_channel(room), user=member, r=True, w=False, x=False, actor=owner)
    stored(owner, room, "hello", at=0)
    client = logged_in(member)
    assert texts(since(client, member, room, 0)) == ["hello"]
    response = post_json(
        client,
        url("messages", room.id),
        {"userID": "member", "channelID": str(default_channel(room).id), "data": "muted?"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "no_w_permission"
    assert not Message.objects.filter(text="muted?").exists()


# POST


def send(client: APIClient, user: User, chatroom, *, headers: dict | None = None, **fields):
    body = {"userID": str(user.id), "channelID": str(default_channel(chatroom).id), "data": "hello", **fields}
    return post_json(client, url("messages", chatroom.id), body, headers=headers)


def test_post_stores_and_answers_the_message(logged_in, member, room):
    response = send(logged_in(member), member, room, data="Hi <b>there</b>")
    assert response.status_code == 200
    body = response.json()
    message = Message.objects.get(pk=body["messageID"])
    assert body == {
        "messageID": str(message.id),
        "channelID": str(default_channel(room).id),
        "userID": str(member.id),
        "username": member.username,
        "replyID": None,
        "keyID": None,
        "send_time": message.sent_at.timestamp(),
        "time": message.sent_at.timestamp(),
        "type": "text",
        "data": "Hi <b>there</b>",
    }
    assert (message.author, message.kind, message.body) == (member, "text", "Hi <b>there</b>")


def test_a_teahaz_message_in_the_default_channel_has_both_forms(logged_in, member, room):
    """The row the Origam protocol shows: in the default channel, with escaped HTML and the plain text."""
    data = "5 < 6 & <script>alert(1)</script>\nsecond line"
    message = Message.objects.get(pk=send(logged_in(member), member, room, data=data).json()["messageID"])
    assert message.channel.is_default and message.chatroom_id == room.id
    assert message.text == data
    assert message.html == text_to_html(data)
    assert "<script>" not in message.html


def test_data_is_opaque_and_never_trimmed(logged_in, member, room):
    data = "  \u00e9t\u00e9 \U0001f375\t "
    response = send(logged_in(member), member, room, data=data)
    assert response.json()["data"] == data
    assert Message.objects.get(pk=response.json()["messageID"]).body == data


def test_key_id_is_stored_as_given_and_data_kept_verbatim(logged_in, member, room):
    response = send(logged_in(member), member, room, data="aGVsbG8=", keyID="key-2024")
    assert response.status_code == 200 and response.json()["keyID"] == "key-2024"
    message = Message.objects.get(pk=response.json()["messageID"])
    assert (message.key_id, message.text) == ("key-2024", "aGVsbG8=")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"type": "system"}, "system_type_refused"),
        ({"type": "image"}, "invalid_type"),
        ({"type": 1}, "invalid"),
        ({"data": ""}, "blank"),
        ({"data": 42}, "invalid"),
        ({"data": None}, "null"),
        ({"data": ["a"]}, "invalid"),
        ({"data": "a\x00b"}, "invalid"),
        ({"data": "a\ud800b"}, "invalid"),
        ({"keyID": "k" * 65}, "max_length"),
        ({"keyID": 5}, "invalid"),
        ({"channelID": "not-a-uuid"}, "invalid"),
        ({"channelID": 12345}, "invalid"),
        ({"channelID": None}, "null"),
        ({"replyID": "nope"}, "invalid"),
        ({"messageID": "nope"}, "invalid"),
        ({"messageID": 7}, "invalid"),
    ],
)
def test_post_refuses_bad_fields_with_400(logged_in, member, room, fields, code):
    body = {"userID": str(member.id), "channelID": str(default_channel(room).id), "data": "hello", **fields}
    response = logged_in(member).post(url("messages", room.id), json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Message.objects.exists()


def test_post_without_channel_or_data_is_400(logged_in, member, room):
    client = logged_in(member)
    for missing in ("channelID", "data"):
        body = {"userID": "member", "channelID": str(default_channel(room).id), "data": "x"}
        del body[missing]
        response = post_json(client, url("messages", room.id), body)
        assert response.status_code == 400
        assert response.json()["code"] == "required"


def test_type_text_or_null_is_accepted(logged_in, member, room):
    client = logged_in(member)
    assert send(client, member, room, type="text").status_code == 200
    assert send(client, member, room, type=None, replyID=None, keyID=None, messageID=None).status_code == 200
    assert Message.objects.filter(kind="text").count() == 2


def test_data_above_the_limit_is_413(logged_in, member, room, settings):
    client = logged_in(member)
    limit = settings.CHAT_MESSAGE_MAX_BYTES
    assert send(client, member, room, data="é" * (limit // 2)).status_code == 200
    response = send(client, member, room, data="é" * (limit // 2) + "x")
    assert response.status_code == 413
    assert response.json()["code"] == "message_too_large"
    assert Message.objects.count() == 1


def test_a_body_beyond_the_upload_limit_is_413(logged_in, member, room, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send(logged_in(member), member, room, data="x" * 2000)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Message.objects.exists()


def test_reply_id_must_name_a_readable_message_of_this_chatroom(logged_in, owner, member, room):
    client = logged_in(member)
    parent = stored(owner, room, "parent")
    response = send(client, member, room, replyID=str(parent.id))
    assert response.status_code == 200 and response.json()["replyID"] == str(parent.id)
    assert Message.objects.get(pk=response.json()["messageID"]).reply_to == parent

    secret = channel_create(chatroom=room, name="secret", public=False)
    other_room = chatroom_create(creator=owner, name="Other")
    unreadable = stored(owner, room, "secret", channel=secret)
    foreign = stored(owner, other_room, "elsewhere")
    for reply_id in (str(unreadable.id), str(foreign.id), random_id()):
        response = send(client, member, room, replyID=reply_id, data="reply")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_reply"
    assert not Message.objects.filter(text="reply").exists()


def test_message_id_makes_the_send_idempotent(logged_in, member, room):
    client = logged_in(member)
    message_id = random_id()
    first = send(client, member, room, messageID=message_id, data="once")
    again = send(client, member, room, messageID=message_id, data="once")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["messageID"] == message_id
    assert Message.objects.filter(pk=message_id).count() == 1 and Message.objects.count() == 1
    conflict = send(client, member, room, messageID=message_id, data="twice")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "message_id_conflict"
    assert Message.objects.get(pk=message_id).text == "once"


def test_message_id_of_another_author_is_409(logged_in, owner, member, room):
    message_id = random_id()
    assert send(logged_in(member), member, room, messageID=message_id, data="same").status_code == 200
    assert send(logged_in(owner), owner, room, messageID=message_id, data="same").status_code == 409


def test_post_to_an_unreadable_channel_is_404_and_a_private_one_with_a_grant_works(logged_in, owner, member, room):
    secret = channel_create(chatroom=room, name="secret", public=False)
    client = logged_in(member)
    for channel_id in (str(secret.id), random_id()):
        response = send(client, member, room, channelID=channel_id)
        assert response.status_code == 404
        assert response.json()["code"] == "channel_not_found"
    grant_set(channel=secret, user=member, r=True, w=True, x=False, actor=owner)
    assert send(client, member, room, channelID=str(secret.id)).status_code == 200
    assert Message.objects.filter(channel=secret, author=member).count() == 1


def test_post_user_id_must_be_in_the_body_and_name_the_caller(logged_in, owner, member, room):
    client = logged_in(member)
    body = {"channelID": str(default_channel(room).id), "data": "x"}
    assert post_json(client, url("messages", room.id), body).status_code == 401
    assert post_json(client, url("messages", room.id), {**body, "userID": str(owner.id)}).status_code == 401
    assert post_json(client, url("messages", room.id), {**body, "userID": 5}).status_code == 401
    assert post_json(client, url("messages", room.id), {**body, "userID": "MEMBER"}).status_code == 200
    assert Message.objects.get().author == member


# The cross-site rule on a cookie-authenticated write


def test_cookie_write_from_a_foreign_origin_is_403(logged_in, member, room):
    client = logged_in(member)
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}, {"Origin": "null"}):
        response = send(client, member, room, headers=headers)
        assert response.status_code == 403, headers
        assert response.json()["code"] == "cross_site_refused"
    assert not Message.objects.exists()


def test_cookie_write_as_a_form_is_415(logged_in, member, room):
    client = logged_in(member)
    body = {"userID": "member", "channelID": str(default_channel(room).id), "data": "x"}
    response = client.post(url("messages", room.id), body)  # multipart, as a form would
    assert response.status_code == 415
    response = client.post(url("messages", room.id), "userID=member&data=x", content_type="text/plain")
    assert response.status_code == 415
    assert not Message.objects.exists()


def test_cookie_write_from_this_server_or_a_trusted_origin_or_without_origin_passes(logged_in, member, room, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example"]
    client = logged_in(member)
    assert send(client, member, room, headers={"Origin": "http://testserver"}).status_code == 200
    assert send(client, member, room, headers={"Origin": "https://app.example"}).status_code == 200
    assert send(client, member, room, headers={"Referer": "http://testserver/x"}).status_code == 200
    assert send(client, member, room).status_code == 200
    assert Message.objects.count() == 4


def test_a_bearer_token_write_needs_no_origin_check(api_client, member, room):
    from tests.conftest import PASSWORD

    token = post_json(api_client, "/api/auth/token", {"username": "member", "password": PASSWORD}).json()["token"]
    client = APIClient(headers={"Authorization": f"Bearer {token}"})
    response = send(client, member, room, headers={"Origin": "https://tool.example"})
    assert response.status_code == 200
    assert Message.objects.get().author == member


def test_a_cross_site_session_write_is_refused(member, room):
    from tests.conftest import PASSWORD

    client = APIClient()
    assert client.login(username="member", password=PASSWORD)
    assert send(client, member, room, headers={"Origin": "https://evil.example"}).status_code == 403
    assert send(client, member, room).status_code == 200


def test_a_message_id_is_a_uuid_the_client_chose(logged_in, member, room):
    message_id = uuid.uuid4()
    response = send(logged_in(member), member, room, messageID=str(message_id).upper())
    assert response.json()["messageID"] == str(message_id)
