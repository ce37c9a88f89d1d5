"""v1 messages through HTTP: sending (idempotent by id), every filter, cursor paging, and a fixed query budget."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Channel, Chatroom, Message
from chat.services.chatrooms import grant_set

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages/"


def _bulk(chatroom, channel, count: int, *, start=None, author=None) -> list[Message]:
    """`count` messages a microsecond apart, written in one statement (no service: history to page through)."""
    start = start or timezone.now() - timedelta(days=1)
    rows = [
        Message(
            chatroom=chatroom,
            channel=channel,
            author=author,
            body=f"m{i}",
            text=f"m{i}",
            html=f"<p>m{i}</p>",
            sent_at=start + timedelta(microseconds=i),
        )
        for i in range(count)
    ]
    return _numbered(chatroom, rows)


def _numbered(chatroom, rows: list[Message]) -> list[Message]:
    """Writes the rows at the end of the chatroom's order, as `message_create` would number them."""
    base = Chatroom.objects.get(pk=chatroom.pk).last_seq
    for offset, message in enumerate(rows, start=1):
        message.seq = base + offset
    Message.objects.bulk_create(rows, batch_size=5000)
    Chatroom.objects.filter(pk=chatroom.pk).update(last_seq=base + len(rows))
    return rows


def _all_pages(client, url: str, *, direction: str, between=None) -> list[str]:
    """Every id met by following `direction` links from `url`; `between` runs after each page."""
    seen: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids = [row["id"] for row in body["results"]]
        seen = seen + ids if direction == "next" else ids + seen
        url = body[direction]
        if between is not None:
            between()
    return seen


def test_a_send_is_stored_and_a_retry_under_its_id_answers_the_same(client_for, owner, chatroom, member):
    client = client_for(member)
    message_id = str(uuid.uuid4())
    body = {"id": message_id, "chatroom": str(chatroom.pk), "body": "hello @owner", "mentions": [str(owner.pk)]}

    first = client.post(URL, body, format="json")
    again = client.post(URL, body, format="json")
    clash = client.post(URL, {**body, "body": "something else"}, format="json")

    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json() == first.json()
    assert clash.status_code == 409 and clash.json()["code"] == "message_id_conflict"
    stored = Message.objects.get(pk=message_id)
    assert (stored.author, stored.text, list(stored.mentions.all())) == (member, "hello @owner", [owner])
    assert first.json()["mentions"] == [{"id": str(owner.pk), "username": "owner", "name": "owner"}]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"chatroom": "nope", "body": "x"}, "invalid"),
        ({"chatroom": None, "body": "x"}, "null"),
        ({"chatroom": "{room}", "body": ""}, "blank"),
        ({"chatroom": "{room}", "body": "x", "format": "rtf"}, "invalid_choice"),
        ({"chatroom": "{room}", "body": "x", "mentions": ["{outsider}"]}, "invalid_mention"),
        ({"chatroom": "{room}", "body": "x", "channel": "{other}"}, "channel_not_found"),
    ],
)
def test_a_bad_send_is_a_4xx_with_the_error_body_and_stores_nothing(client_for, member, chatroom, outsider, body, code):
    before = Message.objects.count()
    filled = {
        key: [v.format(outsider=outsider.pk) for v in value] if isinstance(value, list) else value
        for key, value in body.items()
    }
    filled = {
        key: value.format(room=chatroom.pk, other=uuid.uuid4()) if isinstance(value, str) else value
        for key, value in filled.items()
    }
    response = client_for(member).post(URL, filled, format="json")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["code"] == code and set(response.json()) == {"detail", "code"}
    assert Message.objects.count() == before


def test_a_body_that_is_not_an_object_is_a_400(client_for, member):
    response = client_for(member).post(URL, [1, 2], format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_the_list_needs_a_chatroom(client_for, member):
    response = client_for(member).get(URL)
    assert response.status_code == 400 and response.json() == {
        "detail": "chatroom: This field is required.",
        "code": "required",
    }


def test_filters_channel_author_kind_and_mentions(client_for, owner, member, chatroom):
    side = Channel.objects.create(chatroom=chatroom, name="side")
    client = client_for(owner)
    posted: dict[str, str] = {}
    sends: dict[str, dict[str, object]] = {
        "owner_default": {"body": "a"},
        "owner_side": {"body": "b", "channel": str(side.pk)},
        "mentions_member": {"body": "c", "mentions": [str(member.pk)]},
    }
    for name, data in sends.items():
        response = client.post(URL, {"chatroom": str(chatroom.pk), **data}, format="json")
        assert response.status_code == 201
        posted[name] = response.json()["id"]
    by_member = client_for(member).post(URL, {"chatroom": str(chatroom.pk), "body": "d"}, format="json").json()["id"]
    welcome = str(Message.objects.get(chatroom=chatroom, kind="system").pk)

    def listed(query: str, as_user=owner) -> list[str]:
        response = client_for(as_user).get(f"{URL}?chatroom={chatroom.pk}&{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert listed(f"channel={side.pk}") == [posted["owner_side"]]
    assert listed(f"author={member.pk}") == [by_member]
    assert listed("kind=system") == [welcome]
    assert listed("mentions_me=true", as_user=member) == [posted["mentions_member"]]
    assert posted["mentions_member"] not in listed("mentions_me=false", as_user=member)
    assert client_for(owner).get(f"{URL}?chatroom={chatroom.pk}&kind=odd").json()["code"] == "invalid_choice"


def test_after_and_before_take_a_time_or_a_message_and_include_the_bound(client_for, owner, chatroom):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    start = timezone.now() - timedelta(hours=1)
    rows = _bulk(chatroom, channel, 10, start=start)
    ids = [str(row.pk) for row in rows]
    client = client_for(owner)

    def listed(query: str) -> list[str]:
        response = client.get(f"{URL}?chatroom={chatroom.pk}&kind=text&{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert listed(f"after={ids[3]}&before={ids[5]}") == ids[3:6]
    at = (start + timedelta(microseconds=7)).isoformat().replace("+00:00", "Z")
    assert listed(f"after={at}") == ids[7:]
    assert listed(f"before={at}") == ids[:8]
    for bad in ("yesterday", str(uuid.uuid4()), "2026-01-01T00:00:00"):
        response = client.get(f"{URL}?chatroom={chatroom.pk}&after={bad}")
        assert response.status_code == 400 and response.json()["code"] == "invalid_anchor", bad


def test_a_message_the_caller_may_not_read_is_not_found_and_never_listed(client_for, owner, member, chatroom):
    private = Channel.objects.create(chatroom=chatroom, name="private", public=False)
    secret = _bulk(chatroom, private, 1)[0]
    hidden = _bulk(chatroom, Channel.objects.get(chatroom=chatroom, is_default=True), 1)[0]
    Message.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    client = client_for(member)

    assert client.get(f"{URL}{secret.pk}/").status_code == 404
    assert client.get(f"{URL}{hidden.pk}/").status_code == 404
    assert client.get(f"{URL}{uuid.uuid4()}/").json() == {"detail": "Message not found.", "code": "not_found"}
    listed = {row["id"] for row in client.get(f"{URL}?chatroom={chatroom.pk}").json()["results"]}
    assert str(secret.pk) not in listed and str(hidden.pk) not in listed
    grant_set(channel=private, user=member, r=True, w=False, x=False, actor=owner)
    assert client.get(f"{URL}{secret.pk}/").status_code == 200


def test_paging_back_from_the_newest_while_messages_arrive_has_no_duplicate_and_no_gap(client_for, owner, chatroom):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    # Equal send times are ordered by id: the keyset must split ties between pages without losing any.
    moment = timezone.now() - timedelta(minutes=5)
    old = _bulk(chatroom, channel, 23, start=moment - timedelta(seconds=1)) + _bulk(chatroom, channel, 1, start=moment)
    _numbered(
        chatroom,
        [
            Message(chatroom=chatroom, channel=channel, body="tie", text="tie", html="t", sent_at=moment)
            for _ in range(6)
        ],
    )
    expected = list(
        Message.objects.filter(chatroom=chatroom, kind="text").order_by("sent_at", "id").values_list("id", flat=True)
    )
    client = client_for(owner)

    def arrive() -> None:
        _bulk(chatroom, channel, 2, start=timezone.now())

    seen = _all_pages(
        client, f"{URL}?chatroom={chatroom.pk}&kind=text&page_size=4", direction="previous", between=arrive
    )

    assert seen == [str(message_id) for message_id in expected]
    assert len(old) + 6 == len(seen)


def test_paging_forward_while_messages_arrive_reaches_them_all_once(client_for, owner, chatroom):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    first = _bulk(chatroom, channel, 10)[0]
    client = client_for(owner)

    def arrive() -> None:
        _bulk(chatroom, channel, 1, start=timezone.now())

    seen = _all_pages(
        client, f"{URL}?chatroom={chatroom.pk}&kind=text&after={first.pk}&page_size=3", direction="next", between=arrive
    )

    stored = list(
        Message.objects.filter(chatroom=chatroom, kind="text").order_by("sent_at", "id").values_list("id", flat=True)
    )
    # Each page fetched let one more arrive; the last page fetched found nothing newer, so one arrived after it.
    assert seen == [str(message_id) for message_id in stored[:-1]]
    assert len(set(seen)) == len(seen)


def test_a_cursor_can_be_followed_back_the_way_it_came(client_for, owner, chatroom):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    _bulk(chatroom, channel, 9)
    client = client_for(owner)
    newest = client.get(f"{URL}?chatroom={chatroom.pk}&kind=text&page_size=4").json()
    older = client.get(newest["previous"]).json()
    back = client.get(older["next"]).json()
    assert newest["next"] is None
    assert back["results"] == newest["results"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjoxfQ", "e30"])
def test_a_cursor_the_server_did_not_give_is_a_400(client_for, owner, chatroom, cursor):
    response = client_for(owner).get(f"{URL}?chatroom={chatroom.pk}&cursor={cursor}")
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("size", ["0", "201", "x"])
def test_a_page_size_out_of_range_is_a_400(client_for, owner, chatroom, size):
    response = client_for(owner).get(f"{URL}?chatroom={chatroom.pk}&page_size={size}")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def _page_queries(client, url: str) -> tuple[int, dict]:
    client.get(url)  # the first request of a token writes presence; count a steady one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("history", [1_000, 100_000])
def test_a_page_costs_the_same_queries_whatever_the_history(client_for, owner, chatroom, history, is_postgres):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    _bulk(chatroom, channel, history, author=owner)
    client = client_for(owner)
    first_count, first = _page_queries(client, f"{URL}?chatroom={chatroom.pk}&page_size=50")
    deep_count, deep = _page_queries(client, first["previous"])

    # The page, with its mentions on PostgreSQL (a query of their own elsewhere); the token check and the entry
    # into the chatroom come from the cache.
    assert first_count == deep_count == (1 if is_postgres else 2)
    assert len(first["results"]) == len(deep["results"]) == 50


def _walk(client, url: str, direction: str) -> list[dict]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1][direction]
    return pages


def test_a_plain_page_answers_as_the_filtered_queryset(client_for, owner, member, chatroom, monkeypatch):
    """A list with no filter but the channel is read by `message_page`; every page and link is the same as the
    FilterSet's queryset gives, both ways, for each channel and for all of them."""
    from chat.api.v1 import views
    from chat.services.chatrooms import channel_create
    from chat.services.messages import message_hide

    default = Channel.objects.get(chatroom=chatroom, is_default=True)
    private = channel_create(chatroom=chatroom, name="private", public=False)
    messages = _bulk(chatroom, default, 7, author=owner) + _bulk(chatroom, private, 4, author=owner)
    # A tie of send time, broken by id.
    tie = Message(chatroom=chatroom, channel=default, body="tie", text="tie", html="tie", sent_at=messages[2].sent_at)
    _numbered(chatroom, [tie])
    message_hide(message=messages[3], actor=owner, reason="")

    def both_ways(client, url: str, direction: str) -> list[list[dict]]:
        plain = _walk(client, url, direction)
        with monkeypatch.context() as patched:
            patched.setattr(views, "_plain_page", lambda request: False)
            filtered = _walk(client, url, direction)
        return [plain, filtered]

    seen = {}
    for user in (owner, member):
        client = client_for(user)
        for query in ("", f"&channel={default.pk}", f"&channel={private.pk}", f"&channel={uuid.uuid4()}"):
            url = f"{URL}?chatroom={chatroom.pk}&page_size=3{query}"
            plain, filtered = both_ways(client, url, "previous")
            assert plain == filtered, (user.username, query)
            seen[user.username, query] = sum(len(page["results"]) for page in plain)
            if plain[-1]["next"]:
                # From the oldest page forward again, by its cursor.
                plain, filtered = both_ways(client, plain[-1]["next"], "next")
                assert plain == filtered and plain[-1]["next"] is None, (user.username, query)
    # What was compared: every visible message for the owner, the member without the private channel's.
    assert seen["owner", ""] == seen["member", ""] + 4 == 7 - 1 + 1 + 1 + 4
    assert seen["member", f"&channel={private.pk}"] == 0 and seen["owner", f"&channel={private.pk}"] == 4
