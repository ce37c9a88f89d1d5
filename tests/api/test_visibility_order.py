"""Readers paging forward miss nothing while several connections post at once (PostgreSQL, real threads).

Posters of both protocols send into one chatroom as fast as they can while an Origam reader follows
`polledData?afterIdIncluding=<last id>` and a Teahaz reader follows `since` with its last `send_time`, the way
the real clients poll. Every message must reach each reader exactly once, in the order the chatroom stores.
"""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, Participant, User
from chat.services.tokens import token_issue
from tests.api.origam.helpers import room_url
from tests.api.teahaz.conftest import as_user, log_in, post_json, url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POSTERS_PER_PROTOCOL = 3
MESSAGES_PER_POSTER = 40
PAGE = 10


def _origam_client(user: User) -> APIClient:
    raw, _token = token_issue(user=user, name="order test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _teahaz_client(user: User, chatroom: Chatroom) -> APIClient:
    client = APIClient()
    log_in(client, user, chatroom)
    return client


def _forward_reader(read_page: Callable[[], list[str]], *, posting: threading.Event) -> list[list[str]]:
    """Reads pages until the posters are done and a page after that comes back short (the reader caught up)."""
    pages = []
    while True:
        done = not posting.is_set()
        page = read_page()
        pages.append(page)
        if done and len(page) < PAGE:
            return pages


def _seen_once(pages: list[list[str]]) -> list[str]:
    """The messages a reader received, in order; each page repeats only the previous page's last (the bound is
    inclusive), and a message seen twice otherwise, or out of order, fails here."""
    seen: list[str] = []
    for page in pages:
        if seen and page and page[0] == seen[-1]:
            page = page[1:]
        assert not set(page) & set(seen), "a message came twice"
        seen.extend(page)
    return seen


def test_forward_readers_of_both_protocols_see_every_message_once(chatroom, owner, make_user):
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)
    posters = [make_user(f"poster{number}") for number in range(2 * POSTERS_PER_PROTOCOL)]
    Participant.objects.bulk_create(Participant(chatroom=chatroom, user=user) for user in posters)
    welcome = Message.objects.get(chatroom=chatroom)
    origam_posters = [_origam_client(user) for user in posters[:POSTERS_PER_PROTOCOL]]
    teahaz_posters = [_teahaz_client(user, chatroom) for user in posters[POSTERS_PER_PROTOCOL:]]
    origam_reader = _origam_client(owner)
    teahaz_reader = _teahaz_client(owner, chatroom)
    posting = threading.Event()
    posting.set()
    failures: list[BaseException] = []
    results: dict[str, list[list[str]]] = {}
    origam_after = [str(welcome.pk)]
    teahaz_since = [str(welcome.sent_at.timestamp())]

    def read_origam() -> list[str]:
        query = {"afterIdIncluding": origam_after[0], "limit": PAGE}
        response = origam_reader.get(room_url(chatroom, "polledData"), query)
        assert response.status_code == 200, response.content
        ids = [message["id"] for message in response.json()["messages"]]
        origam_after[0] = ids[-1]
        return ids

    def read_teahaz() -> list[str]:
        headers = {**as_user(owner), "get-method": "since", "time": teahaz_since[0]}
        response = teahaz_reader.get(url("messages", chatroom.pk), headers=headers)
        assert response.status_code == 200, response.content
        messages = response.json()[:PAGE]
        teahaz_since[0] = repr(messages[-1]["send_time"])
        return [message["messageID"] for message in messages]

    def post_origam(client: APIClient, number: int) -> None:
        for index in range(MESSAGES_PER_POSTER):
            body = {"text": f"<p>origam {number}.{index}</p>", "mentions": []}
            response = client.post(room_url(chatroom, "messages"), body, format="json")
            assert response.status_code == 200, response.content

    def post_teahaz(client: APIClient, number: int) -> None:
        user = posters[POSTERS_PER_PROTOCOL + number]
        for index in range(MESSAGES_PER_POSTER):
            body = {"userID": str(user.pk), "channelID": channel_id, "data": f"teahaz {number}.{index}"}
            response = post_json(client, url("messages", chatroom.pk), body)
            assert response.status_code == 200, response.content

    def run(work: Callable[[], object], name: str | None = None) -> None:
        try:
            result = work()
            if name is not None:
                results[name] = result  # type: ignore[assignment]  # readers answer their pages
        except BaseException as error:  # the main thread reports every failure
            failures.append(error)
        finally:
            connection.close()

    post_threads = [
        threading.Thread(target=run, args=(lambda c=client, n=number: post_origam(c, n),))
        for number, client in enumerate(origam_posters)
    ] + [
        threading.Thread(target=run, args=(lambda c=client, n=number: post_teahaz(c, n),))
        for number, client in enumerate(teahaz_posters)
    ]
    read_threads = [
        threading.Thread(target=run, args=(lambda: _forward_reader(read_origam, posting=posting), "origam")),
        threading.Thread(target=run, args=(lambda: _forward_reader(read_teahaz, posting=posting), "teahaz")),
    ]
    started = time.monotonic()
    for thread in read_threads + post_threads:
        thread.start()
    for thread in post_threads:
        thread.join(timeout=120)
    posting.clear()
    for thread in read_threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert time.monotonic() - started < 120

    stored = [str(pk) for pk in Message.objects.filter(chatroom=chatroom).order_by("seq").values_list("pk", flat=True)]
    assert len(stored) == 1 + 2 * POSTERS_PER_PROTOCOL * MESSAGES_PER_POSTER
    assert len(results["origam"]) > 2 and len(results["teahaz"]) > 2, "the readers did not page while posting"
    assert _seen_once(results["origam"]) == stored
    assert _seen_once(results["teahaz"]) == stored
    seqs = list(Message.objects.filter(chatroom=chatroom).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(stored) + 1))
    assert Chatroom.objects.get(pk=chatroom.pk).last_seq == len(stored)
