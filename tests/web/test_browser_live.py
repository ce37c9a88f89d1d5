"""The web client live: two people in two browsers against a real ASGI server (uvicorn, as in production), the
changes of one reaching the other through the event stream, and a stream that is cut and resumes."""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from chat.access import chatroom_access
from chat.models import Chatroom, Message, Participant, User
from chat.services.chatrooms import chatroom_create
from chat.services.messages import message_post
from chat.services.participants import participant_add
from tests.events.live import stream_env, unique_channel
from tests.servers import Server, app_env, manage, uvicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def live_env(channel: str) -> dict[str, str]:
    # The server signs and checks sessions with the test's own secret, so the test can log people in.
    return stream_env(channel=channel, DJANGO_SECRET_KEY=settings.SECRET_KEY)


@pytest.fixture(scope="session")
def collected_static() -> None:
    """The production settings serve the static files `collectstatic` gathered (WhiteNoise), as deploy/ does."""
    manage("collectstatic", "--noinput", env=app_env())


@pytest.fixture
def server(collected_static, settings) -> Iterator[Server]:
    # Changes this test makes itself are announced on the server's channel too.
    settings.CHAT_EVENTS_CHANNEL = unique_channel()
    with uvicorn(live_env(settings.CHAT_EVENTS_CHANNEL)) as running:
        yield running


def open_in(browser: Browser, server: Server, user: User, path: str) -> Page:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(base_url=server.url)
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])
    page = context.new_page()
    page.goto(path)
    expect(page.get_by_role("textbox", name="Message")).to_be_enabled()
    expect(page.get_by_role("status")).to_have_text("")  # the stream is open
    return page


def articles(page: Page):
    return page.get_by_role("log", name="Messages").get_by_role("article")


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.type(text)
    box.press("Enter")
    expect(articles(page).filter(has_text=text)).not_to_have_class(re.compile("pending"))


def test_two_people_chat_live_mention_edit_and_delete(browser, server, owner, member, chatroom):
    ann = open_in(browser, server, owner, f"/chat/{chatroom.pk}/")
    bob = open_in(browser, server, member, f"/chat/{chatroom.pk}/")

    send(ann, "hello bob, are you there?")
    expect(articles(bob).filter(has_text="hello bob, are you there?")).to_have_count(1)

    box = bob.get_by_role("textbox", name="Message")
    box.type("yes @own")
    bob.get_by_role("listbox", name="Mention").get_by_role("option", name=re.compile("owner")).click()
    box.type("right here")
    box.press("Enter")
    expect(articles(ann).filter(has_text="yes @owner right here")).to_have_count(1)
    reply = Message.objects.get(author=member)
    assert list(reply.mentions.values_list("pk", flat=True)) == [owner.pk]

    mine = articles(bob).filter(has_text="right here")
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_role("textbox", name="Edit message")
    editor.fill("yes, right here")
    editor.press("Enter")
    expect(articles(ann).filter(has_text="yes, right here")).to_contain_text("(edited)")

    theirs = articles(ann).filter(has_text="yes, right here")
    theirs.hover()
    theirs.get_by_role("button", name="Delete").click()
    ann.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(articles(bob).filter(has_text="yes, right here")).to_have_count(0)
    expect(articles(bob).filter(has_text="hello bob")).to_have_count(1)


def test_renames_joins_and_presence_appear_without_reloading(browser, server, owner, member, chatroom, make_user):
    bob = open_in(browser, server, member, f"/chat/{chatroom.pk}/")
    ann = open_in(browser, server, owner, f"/chat/{chatroom.pk}/")

    ann.get_by_role("button", name="Rename").click()
    ann.get_by_label("Name", exact=True).fill("Tea garden")
    ann.get_by_role("button", name="Rename", exact=True).last.click()
    expect(bob.get_by_role("heading", name="Tea garden")).to_be_visible()
    expect(bob.get_by_role("navigation", name="Chatrooms").get_by_role("link", name="Tea garden")).to_be_visible()

    participant_add(chatroom=Chatroom.objects.get(pk=chatroom.pk), user=make_user("carol"))
    expect(bob.get_by_role("list", name="Participants")).to_contain_text("carol")

    Participant.objects.filter(chatroom=chatroom, user=owner).update(last_seen_at=None)
    carol = open_in(browser, server, User.objects.get(username="carol"), f"/chat/{chatroom.pk}/")
    expect(
        bob.get_by_role("list", name="Participants").get_by_role("listitem").filter(has_text="carol")
    ).to_contain_text("online")
    carol.context.close()


def test_a_chatroom_someone_adds_you_to_appears(browser, server, owner, member, chatroom):
    bob = open_in(browser, server, member, f"/chat/{chatroom.pk}/")
    party = chatroom_create(creator=owner, name="Surprise party")
    chatroom_create(creator=owner, name="Not for bob")

    participant_add(chatroom=party, user=member)

    rooms = bob.get_by_role("navigation", name="Chatrooms")
    expect(rooms.get_by_role("link", name="Surprise party")).to_be_visible()
    assert "Not for bob" not in rooms.inner_text()


def test_the_stream_is_cut_and_resumes_with_nothing_lost_or_doubled(browser, collected_static, owner, member, chatroom):
    channel = unique_channel()
    with uvicorn(live_env(channel)) as first:
        port = int(first.url.rsplit(":", 1)[1])
        bob = open_in(browser, first, member, f"/chat/{chatroom.pk}/")
    # The server is gone: the page says so.
    expect(bob.get_by_role("status")).to_have_text("Reconnecting…")
    access = chatroom_access(user=owner, chatroom_id=chatroom.pk)
    for number in range(3):
        message_post(access=access, channel_id=access.default_channel.id, body=f"while you were away {number}")

    with uvicorn(live_env(channel), port=port):
        expect(bob.get_by_role("status")).to_have_text("", timeout=20_000)
        for number in range(3):
            expect(articles(bob).filter(has_text=f"while you were away {number}")).to_have_count(1)
        bob.wait_for_timeout(500)
        texts = [text for text in articles(bob).all_inner_texts() if "while you were away" in text]
        assert len(texts) == 3
