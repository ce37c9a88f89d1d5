"""Messages: search and filters, hide and unhide through the services with a reason, read-only, and a list that
stays cheap."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.models import Channel, Message, MessageFile, ModerationLog, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.files import file_post
from chat.services.messages import message_hide, message_post
from tests.access import access_of
from tests.chat.admin.helpers import (
    change_url,
    changelist_url,
    form_holding,
    listed,
    log_of,
    midnight,
    object_tools,
    post,
    run_action,
)


@pytest.fixture
def messages_setup(make_user, chatroom, owner_participant, member_participant, private_channel):
    """Messages in two chatrooms and two channels, by two authors, one hidden, one old."""
    other_room = chatroom_create(creator=make_user("elsewhere"), name="Elsewhere")
    other_owner = Participant.objects.select_related("chatroom").get(chatroom=other_room)
    return {
        "hello": post(member_participant, "hello world"),
        "secret": post(owner_participant, "secret plans", channel=private_channel),
        "hidden": message_hide(message=post(member_participant, "rude words"), actor=None, reason="rude"),
        "old": post(owner_participant, "ancient history"),
        "elsewhere": post(other_owner, "hello from elsewhere"),
        "room": chatroom,
        "other_room": other_room,
        "channel": private_channel,
    }


def test_message_search_by_text_and_author(admin_client, messages_setup):
    assert set(listed(admin_client, Message, q="hello")) == {messages_setup["hello"], messages_setup["elsewhere"]}
    by_author = listed(admin_client, Message, q="member")
    assert set(by_author) == {messages_setup["hello"], messages_setup["hidden"]}


def test_message_filters(admin_client, messages_setup):
    room, channel = messages_setup["room"], messages_setup["channel"]
    Message.objects.filter(pk=messages_setup["old"].pk).update(sent_at=timezone.now() - timedelta(days=40))

    in_room = listed(admin_client, Message, chatroom__id__exact=room.pk)
    assert messages_setup["elsewhere"] not in in_room and messages_setup["hello"] in in_room
    assert listed(admin_client, Message, chatroom__id__exact=room.pk, channel=channel.pk) == [messages_setup["secret"]]
    assert listed(admin_client, Message, channel=channel.pk) == [messages_setup["secret"]]
    assert listed(admin_client, Message, hidden="yes") == [messages_setup["hidden"]]
    assert messages_setup["hidden"] not in listed(admin_client, Message, hidden="no")
    system = listed(admin_client, Message, kind__exact="system")
    assert system and all(message.kind == Message.Kind.SYSTEM for message in system)
    today = midnight()
    recent = listed(
        admin_client, Message, sent_at__gte=str(today - timedelta(days=7)), sent_at__lt=str(today + timedelta(days=1))
    )
    assert messages_setup["hello"] in recent and messages_setup["old"] not in recent


def test_message_channel_filter_offers_the_chosen_chatrooms_channels(admin_client, messages_setup):
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": messages_setup["room"].pk})
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "channel")
    assert {label for _value, label in spec.lookup_choices} == {"#default", "#staff"}
    assert admin_client.get(changelist_url(Message), {"channel": "not-a-uuid"}).status_code == 302


def test_message_list_is_newest_first(admin_client, messages_setup):
    shown = listed(admin_client, Message, chatroom__id__exact=messages_setup["room"].pk)
    assert [message.sent_at for message in shown] == sorted((message.sent_at for message in shown), reverse=True)


def test_hide_asks_for_a_reason_refuses_an_empty_one_and_logs_the_operator(
    admin_client, admin_user, member_participant
):
    spam, more = post(member_participant, "buy cheap tea"), post(member_participant, "really cheap")

    page = run_action(admin_client, Message, "hide_messages", [spam, more])
    assert page.status_code == 200 and b"Reason" in page.content
    assert Message.objects.filter(hidden_at__isnull=False).count() == 0

    form = form_holding(page, "reason")
    form["reason"] = ["   "]
    refused = admin_client.post(changelist_url(Message), form)
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Message.objects.filter(hidden_at__isnull=False).count() == 0

    form["reason"] = ["advertising"]
    done = admin_client.post(changelist_url(Message), form)
    assert done.status_code == 302
    for message in (spam, more):
        message.refresh_from_db()
        assert message.hidden_by == admin_user and message.hidden_reason == "advertising"
    logs = ModerationLog.objects.filter(action="hide")
    assert {log.target for log in logs} == {f"message {spam.pk}", f"message {more.pk}"}
    assert {(log.actor, log.reason, log.chatroom) for log in logs} == {
        (admin_user, "advertising", member_participant.chatroom)
    }


def test_hide_all_matching_the_filter(admin_client, admin_user, messages_setup):
    room = messages_setup["room"]
    query = f"?chatroom__id__exact={room.pk}"
    page = admin_client.post(
        changelist_url(Message) + query,
        {
            "action": "hide_messages",
            "index": "0",
            "select_across": "1",
            "_selected_action": [messages_setup["hello"].pk],
        },
    )
    form = form_holding(page, "reason")
    assert form["select_across"] == ["1"]
    form["reason"] = ["clean-up"]
    assert admin_client.post(changelist_url(Message) + query, form).status_code == 302
    assert not Message.objects.filter(chatroom=room, hidden_at__isnull=True).exists()
    assert Message.objects.get(pk=messages_setup["elsewhere"].pk).hidden_at is None
    # The one hidden before keeps its reason; every other message of the chatroom was hidden now.
    assert ModerationLog.objects.filter(action="hide", actor=admin_user).count() == (
        Message.objects.filter(chatroom=room).count() - 1
    )


def test_unhide_goes_through_the_service(admin_client, admin_user, member_participant):
    message = message_hide(message=post(member_participant, "oops"), actor=None, reason="mistake")
    assert run_action(admin_client, Message, "unhide_messages", [message]).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is None and message.hidden_reason == ""
    assert log_of("unhide").actor == admin_user


def test_hide_button_on_the_message_page_leads_to_the_reason_page(admin_client, member_participant):
    message = post(member_participant, "look at me")
    page = admin_client.get(change_url(message))
    form = form_holding(page, "_selected_action", press="hide_messages")
    assert form["action"] == ["hide_messages"]
    reason_page = admin_client.post(changelist_url(Message), form)
    assert reason_page.status_code == 200 and "reason" in reason_page.context["form"].fields


def test_messages_cannot_be_edited_added_or_deleted(admin_client, member_participant):
    message = post(member_participant, "original words")
    response = admin_client.post(change_url(message), {"text": "rewritten", "body": "rewritten"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:chat_message_delete", args=[message.pk]), {"post": "yes"}).status_code == (
        403
    )
    message.refresh_from_db()
    assert message.text == "original words"
    page = admin_client.get(change_url(message))
    assert b'name="text"' not in page.content and b'name="body"' not in page.content


def _message_list_queries(client, room) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        for params in ({}, {"chatroom__id__exact": room.pk}, {"q": "message"}):
            response = client.get(changelist_url(Message), params)
            assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_message_list_runs_a_fixed_number_of_queries_and_never_counts_the_whole_table(
    admin_client, chatroom, owner_participant, member_participant, private_channel
):
    admin_client.get(changelist_url(Message))  # the session and the content types are warm from here on
    for number in range(5):
        post(member_participant if number % 2 else owner_participant, f"message {number}")
    few = _message_list_queries(admin_client, chatroom)
    for number in range(5, 50):
        post(owner_participant, f"message {number}", channel=private_channel if number % 3 else None)
    many = _message_list_queries(admin_client, chatroom)

    assert len(few) == len(many)
    counts = [sql for sql in many if "COUNT(" in sql.upper() and "chat_message" in sql]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_staff_without_the_change_permission_cannot_moderate(client, make_user, member_participant):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    message = post(member_participant, "keep me")
    page = client.get(changelist_url(Message))
    assert message in page.context["cl"].result_list and b"hide_messages" not in page.content
    run_action(client, Message, "hide_messages", [message])
    message.refresh_from_db()
    assert message.hidden_at is None
    assert not ModerationLog.objects.exists()


def test_moderation_buttons_only_for_moderators(client, make_user, member_participant):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    message = post(member_participant, "look")
    page = client.get(change_url(message))
    assert page.status_code == 200 and b"hide_messages" not in page.content


LONG_TEXT = "A sentence long enough that Django's own page title and breadcrumbs would repeat a part of it"


def test_the_message_page_shows_its_text_once(admin_client, member_participant):
    message = post(member_participant, LONG_TEXT)
    page = admin_client.get(change_url(message))
    content = page.content.decode()
    # The plain text's HTML says nothing more, so neither it nor the body (the same text) is shown.
    assert content.count("A sentence long enough") == 1
    shown = {field for _name, options in page.context["adminform"].fieldsets for field in options["fields"]}
    assert "text" in shown and not {"html", "html_source", "body"} & shown
    # Not hidden: no empty moderation fields.
    assert "Hidden reason" not in content


def test_the_message_page_shows_its_html_when_it_says_more(admin_client, member_participant):
    channel = member_participant.chatroom.channels.get(is_default=True)
    message, _ = message_post(
        access=access_of(member_participant),
        channel_id=channel.pk,
        body="<p>Tea at <b>five</b><script>alert(1)</script></p>",
        fmt=Message.Format.HTML,
    )
    content = admin_client.get(change_url(message)).content.decode()
    assert content.count("Tea at five") == 1
    assert content.count("&lt;p&gt;Tea at &lt;b&gt;five&lt;/b&gt;&lt;/p&gt;") == 1
    # The body as sent (with what the sanitiser removed) is never a third copy.
    assert "alert(1)" not in content


def test_a_hidden_message_page_says_who_hid_it_and_why(admin_client, admin_user, member_participant):
    message = message_hide(message=post(member_participant, "rude"), actor=admin_user, reason="insults")
    content = admin_client.get(change_url(message)).content.decode()
    assert "Hidden reason" in content and "insults" in content
    assert 'value="unhide_messages"' in content and 'value="hide_messages"' not in content


def test_the_hide_control_is_styled_like_the_admins_own(admin_client, member_participant):
    page = admin_client.get(change_url(post(member_participant, "look at me")))
    tools = object_tools(page)
    assert '<button type="submit" name="action" value="hide_messages" class="moderation-takes-away">' in tools
    # Only buttons: no select, no browser-drawn submit input.
    assert "<select" not in tools and not re.search(r'<input(?![^>]*type="hidden")', tools)
    # The page loads the stylesheet that draws buttons in the object tools like their links.
    assert 'href="/static/chat/admin.css"' in page.content.decode()
    stylesheet = Path(finders.find("chat/admin.css")).read_text(encoding="utf-8")
    assert ".object-tools button {" in stylesheet and "var(--object-tools-bg)" in stylesheet


def test_a_file_message_shows_its_name_and_size_and_can_be_hidden(admin_client, admin_user, member_participant):
    message, _created = file_post(
        access=access_of(member_participant),
        channel_id=Channel.objects.get(chatroom=member_participant.chatroom, is_default=True).pk,
        content=b"\x00" * 2048,
        name="report.pdf",
    )

    page = admin_client.get(change_url(message))
    assert page.status_code == 200
    content = page.content.decode()
    assert "report.pdf" in content and "2048 bytes" in content
    assert "File report.pdf (2.0 KiB)" in listed_page(admin_client)
    form = form_holding(run_action(admin_client, Message, "hide_messages", [message]), "reason")
    form["reason"] = ["spam"]
    assert admin_client.post(changelist_url(Message), form).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is not None and message.hidden_by == admin_user
    assert MessageFile.objects.filter(message=message).exists()


def test_a_text_message_page_has_no_file_section(admin_client, member_participant):
    page = admin_client.get(change_url(post(member_participant, "just words")))
    assert page.status_code == 200 and "file name" not in page.content.decode()


def listed_page(admin_client) -> str:
    return admin_client.get(changelist_url(Message)).content.decode()
