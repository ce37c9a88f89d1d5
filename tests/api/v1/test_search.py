"""v1 full-text search (`q` on messages) through HTTP: what it finds, how it ranks and pages, what it costs."""

import itertools
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Channel, Message
from tests.api.v1.test_messages import _bulk

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages/"


def send(client, chatroom, body: str, **fields) -> str:
    response = client.post(URL, {"chatroom": str(chatroom.pk), "body": body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def search(client, chatroom, query: str, extra: str = "") -> dict:
    response = client.get(URL, {"chatroom": str(chatroom.pk), "q": query, **dict(_pairs(extra))})
    assert response.status_code == 200, response.content
    return response.json()


def _pairs(extra: str) -> list[tuple[str, str]]:
    return [tuple(pair.split("=", 1)) for pair in extra.split("&") if pair]  # type: ignore[misc]


def test_q_finds_the_words_with_a_marked_snippet_and_a_rank(client_for, chatroom, owner, member, is_postgres):
    client = client_for(member)
    kettle = send(client, chatroom, "Kettle & the kettle song")
    send(client, chatroom, "nothing here")

    body = search(client_for(owner), chatroom, "kettle")

    assert [row["id"] for row in body["results"]] == [kettle]
    (row,) = body["results"]
    assert row["snippet"] == "<mark>Kettle</mark> &amp; the <mark>kettle</mark> song"
    assert row["text"] == "Kettle & the kettle song" and row["author"]["id"] == str(member.pk)
    assert isinstance(row["rank"], float) if is_postgres else row["rank"] is None
    assert body["next"] is None and body["previous"] is None
    # Without q the rows carry neither.
    plain = client.get(URL, {"chatroom": str(chatroom.pk)}).json()["results"]
    assert all("snippet" not in row and "rank" not in row for row in plain)


def test_q_finds_only_visible_messages_of_readable_channels_and_other_filters_narrow_it(
    client_for, chatroom, owner, member
):
    staff = Channel.objects.create(chatroom=chatroom, name="staff", public=False)
    side = Channel.objects.create(chatroom=chatroom, name="side")
    boss = client_for(owner)
    secret = send(boss, chatroom, "tea plans", channel=str(staff.pk))
    mine = send(client_for(member), chatroom, "tea time")
    aside = send(boss, chatroom, "tea aside", channel=str(side.pk))
    gone = send(boss, chatroom, "tea gone")
    assert boss.delete(f"{URL}{gone}/").status_code == 204

    def found(query: str, client=None, extra: str = "") -> set[str]:
        return {row["id"] for row in search(client or client_for(member), chatroom, query, extra)["results"]}

    assert found("tea") == {mine, aside}
    assert found("tea", client=boss) == {mine, aside, secret}
    assert found("tea", extra=f"channel={side.pk}") == {aside}
    assert found("tea", extra=f"author={member.pk}") == {mine}
    assert found("tea -time") == {aside}
    assert found("coffee") == set()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("-", "invalid_search"),
        ('" "', "invalid_search"),
        ("x" * 201, "invalid_search"),
        ("a\x00", "null_characters_not_allowed"),
    ],
)
def test_a_bad_search_is_a_400(client_for, chatroom, owner, query, code):
    response = client_for(owner).get(URL, {"chatroom": str(chatroom.pk), "q": query})
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code"} and response.json()["code"] == code


def test_a_blank_search_is_no_search(client_for, chatroom, owner):
    client = client_for(owner)
    send(client, chatroom, "hello")
    plain = client.get(URL, {"chatroom": str(chatroom.pk)}).json()
    assert client.get(URL, {"chatroom": str(chatroom.pk), "q": "  "}).json() == plain


def test_a_cursor_serves_only_the_kind_of_list_it_came_from(client_for, chatroom, owner):
    client = client_for(owner)
    for number in range(3):
        send(client, chatroom, f"tea {number}")
    by_time = client.get(URL, {"chatroom": str(chatroom.pk), "page_size": 1}).json()["previous"]
    ranked = search(client, chatroom, "tea", "page_size=1")["next"]
    time_cursor = by_time.split("cursor=")[1].split("&")[0]
    search_cursor = ranked.split("cursor=")[1].split("&")[0]

    in_search = client.get(URL, {"chatroom": str(chatroom.pk), "q": "tea", "cursor": time_cursor})
    in_time = client.get(URL, {"chatroom": str(chatroom.pk), "cursor": search_cursor})

    assert in_search.status_code == in_time.status_code == 400
    assert in_search.json()["code"] == in_time.json()["code"] == "invalid_cursor"


def _pages(client, url: str, direction: str, between=None) -> list[dict]:
    rows: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows = rows + body["results"] if direction == "next" else body["results"] + rows
        url = body[direction]
        if between is not None:
            between()
    return rows


def test_ranked_pages_go_best_first_and_hold_still_while_matches_arrive(client_for, chatroom, owner, is_postgres):
    client = client_for(owner)
    # Ranks differ with how often the word comes (PostgreSQL); many share a rank, so time and id split the ties.
    for number in range(14):
        send(client, chatroom, " ".join(["tea"] * (1 + number % 4)) + f" number {number}")
    before = {
        str(pk) for pk in Message.objects.filter(chatroom=chatroom, text__contains="tea").values_list("pk", flat=True)
    }
    arrived: list[str] = []

    def arrive() -> None:
        arrived.append(send(client, chatroom, "tea tea tea tea tea arrived"))

    rows = _pages(client, f"{URL}?chatroom={chatroom.pk}&q=tea&page_size=4", "next", between=arrive)

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a row came twice"
    assert before <= set(ids), "a row was skipped"
    ranks = [row["rank"] for row in rows]
    if is_postgres:
        assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) > 1
        # Ties in rank come newest first.
        for earlier, later in itertools.pairwise(rows):
            if earlier["rank"] == later["rank"]:
                assert (earlier["sent_at"], earlier["id"]) > (later["sent_at"], later["id"])
    else:
        assert ranks == [None] * len(rows)
        assert [row["sent_at"] for row in rows] == sorted((row["sent_at"] for row in rows), reverse=True)


def test_a_ranked_cursor_leads_back_the_way_it_came(client_for, chatroom, owner):
    client = client_for(owner)
    for number in range(9):
        send(client, chatroom, " ".join(["tea"] * (1 + number % 3)))
    first = search(client, chatroom, "tea", "page_size=4")
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert first["previous"] is None
    assert back["results"] == first["results"]
    forward = [row["id"] for row in _pages(client, f"{URL}?chatroom={chatroom.pk}&q=tea&page_size=2", "next")]
    assert len(forward) == len(set(forward)) == 9
    # From the last page back to the first, the same rows in the same order.
    last = client.get(f"{URL}?chatroom={chatroom.pk}&q=tea&page_size=2")
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    backward = [row["id"] for row in _pages(client, last.json()["previous"], "previous")] + [
        row["id"] for row in last.json()["results"]
    ]
    assert backward == forward


@pytest.mark.parametrize("history", [1_000, 20_000])
def test_a_search_page_costs_the_same_queries_whatever_the_history(client_for, chatroom, owner, history):
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    _bulk(chatroom, channel, history, author=owner)
    client = client_for(owner)
    send(client, chatroom, f"needle {uuid.uuid4()}")
    url = f"{URL}?chatroom={chatroom.pk}&q=m1&page_size=20"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200 and response.json()["results"]
    # The page (ranks and snippets included) and its mentions; the token check and the entry into the chatroom
    # come from the cache.
    assert len(queries) == 2
