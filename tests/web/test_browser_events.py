"""How the web client handles each kind of stream event, driven by a stand-in EventSource in the page (the live
stream itself is tested end to end in test_browser_live.py)."""

import json
import re

import pytest
from playwright.sync_api import expect

from chat.models import Participant
from chat.services.chatrooms import channel_create, grant_set
from chat.services.messages import message_post
from tests.access import access_of

pytestmark = pytest.mark.django_db(transaction=True)

# Replaces EventSource before the page's scripts run: each stream the page opens is kept in window.streams,
# and a test makes it open, fail or deliver a named event.
FAKE_EVENT_SOURCE = """
window.streams = [];
class FakeEventSource extends EventTarget {
  static CONNECTING = 0; static OPEN = 1; static CLOSED = 2;
  constructor(url) { super(); this.url = url; this.readyState = 0; window.streams.push(this); }
  close() { this.readyState = 2; }
}
window.EventSource = FakeEventSource;
window.streamOpen = () => { const s = window.streams.at(-1); s.readyState = 1; s.dispatchEvent(new Event("open")); };
window.streamFail = (closed) => {
  const s = window.streams.at(-1); s.readyState = closed ? 2 : 0; s.dispatchEvent(new Event("error"));
};
window.streamSend = (type, id, data) => {
  const event = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id });
  window.streams.at(-1).dispatchEvent(event);
};
"""


def open_faked(open_as, user, chatroom, browser_context_args=None):
    page, console = open_as(None, "/")
    page.context.add_init_script(FAKE_EVENT_SOURCE)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": page.url}])
    page.goto(f"/chat/{chatroom.pk}/")
    expect(page.get_by_role("textbox", name="Message")).to_be_enabled()
    page.evaluate("() => window.streamOpen()")
    return page, console


def send(page, event_type: str, event_id: str, chatroom, data: dict) -> None:
    whole = {"id": event_id, "type": event_type, "chatroom": str(chatroom.pk), "data": data}
    page.evaluate(f"() => window.streamSend({json.dumps(event_type)}, {json.dumps(event_id)}, {json.dumps(whole)})")


def participant_json(participant: Participant, presence: str) -> dict:
    user = participant.user
    return {
        "id": participant.pk,
        "chatroom": str(participant.chatroom_id),
        "user": {"id": str(user.pk), "username": user.username, "name": user.name},
        "role": participant.role,
        "state": participant.state,
        "presence": presence,
    }


def test_a_presence_change_updates_the_list_without_reading_it_again(open_as, owner, member, chatroom):
    page, _console = open_faked(open_as, owner, chatroom)
    people = page.get_by_role("list", name="Participants")
    expect(people.get_by_role("listitem").filter(has_text="member")).to_contain_text("none")
    reads = []
    page.on("request", lambda request: reads.append(request.url) if "/participants/" in request.url else None)

    send(page, "presence.changed", "e1", chatroom, participant_json(Participant.objects.get(user=member), "online"))

    expect(people.get_by_role("listitem").filter(has_text="member")).to_contain_text("online")
    page.wait_for_timeout(500)
    assert reads == []


def test_losing_w_disables_the_composer_when_the_permission_event_arrives(open_as, owner, member, chatroom):
    page, _console = open_faked(open_as, member, chatroom)
    channel = chatroom.channels.get(is_default=True)
    grant_set(channel=channel, user=member, r=True, w=False, x=False, actor=owner)

    shown = {"id": str(channel.pk), "chatroom": str(chatroom.pk), "name": "default", "public": True}
    permissions = {"r": True, "w": False, "x": False}
    send(page, "channel.permissions_changed", "e2", chatroom, {**shown, "is_default": True, "permissions": permissions})

    expect(page.get_by_role("textbox", name="Message")).to_be_disabled()
    expect(page.get_by_text(re.compile("may read #default but not write"))).to_be_visible()


def test_a_channel_one_may_no_longer_read_goes_away(open_as, owner, member, chatroom):
    hidden = channel_create(chatroom=chatroom, name="soon-private", public=True)
    page, _console = open_faked(open_as, member, chatroom)
    channels = page.get_by_role("navigation", name="Channels")
    expect(channels.get_by_role("button", name=re.compile("soon-private"))).to_have_count(1)

    gone = {"id": str(hidden.pk), "chatroom": str(chatroom.pk), "permissions": {"r": False, "w": False, "x": False}}
    send(page, "channel.changed", "e4", chatroom, gone)

    expect(channels.get_by_role("button", name=re.compile("soon-private"))).to_have_count(0)


def test_a_message_of_another_channel_neither_shows_nor_marks_read(open_as, owner, member, chatroom):
    other = channel_create(chatroom=chatroom, name="random", public=True)
    page, _console = open_faked(open_as, member, chatroom)
    access = access_of(Participant.objects.get(user=owner, chatroom=chatroom))
    message, _ = message_post(access=access, channel_id=other.pk, body="over in random")
    page.wait_for_timeout(1000)  # the page marks what it showed on opening read, half a second after
    marks = []
    page.on("request", lambda request: marks.append(request.url) if "/read/" in request.url else None)

    response = page.request.get(f"/api/v1/messages/{message.pk}/")
    send(page, "message.posted", "e3", chatroom, response.json())

    page.wait_for_timeout(1000)
    expect(page.get_by_role("log", name="Messages").get_by_text("over in random")).to_have_count(0)
    assert marks == []
    page.get_by_role("navigation", name="Channels").get_by_role("button", name=re.compile("random")).click()
    expect(page.get_by_role("log", name="Messages").get_by_text("over in random")).to_have_count(1)


def test_a_dropped_stream_says_reconnecting_and_resumes_after_the_last_event(open_as, owner, member, chatroom):
    page, _console = open_faked(open_as, member, chatroom)
    send(page, "read_marker.moved", "cursor-7", chatroom, {"chatroom": str(chatroom.pk), "last_read_at": None})

    page.evaluate("() => window.streamFail(true)")

    expect(page.get_by_role("status")).to_have_text("Reconnecting…")
    page.wait_for_function("() => window.streams.length === 2", timeout=10_000)
    assert page.evaluate("() => window.streams.at(-1).url").endswith("/api/v1/events?cursor=cursor-7")
    page.evaluate("() => window.streamOpen()")
    expect(page.get_by_role("status")).to_have_text("")


def test_a_resync_reads_everything_again_and_follows_on_from_its_cursor(open_as, owner, member, chatroom):
    page, _console = open_faked(open_as, member, chatroom)
    access = access_of(Participant.objects.get(user=owner, chatroom=chatroom))
    message_post(access=access, channel_id=access.default_channel.id, body="missed while away")

    page.evaluate(
        "() => window.streams.at(-1).dispatchEvent(new MessageEvent('resync', {data: '{}', lastEventId: 'now-9'}))"
    )

    expect(page.get_by_role("log", name="Messages").get_by_text("missed while away")).to_have_count(1)
    page.wait_for_function("() => window.streams.length === 2", timeout=10_000)
    assert page.evaluate("() => window.streams.at(-1).url").endswith("/api/v1/events?cursor=now-9")
