"""The admin site: titled chatsite, a dashboard of cheap counts on its index, and no Groups."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from chat.models import Message, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.messages import message_hide
from chat.services.participants import participant_add, participant_ban
from tests.chat.admin.helpers import change_url, midnight, post

INDEX = "/admin/"


def figures(response) -> dict[str, str]:
    return {figure.label: figure.value for figure in response.context["dashboard"]}


def test_the_site_is_titled_chatsite(admin_client):
    response = admin_client.get(INDEX)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<div id="site-name"><a href="/admin/">chatsite</a></div>' in content
    assert "<title>chatsite at a glance | chatsite</title>" in content
    assert "Django administration" not in content and "Django site admin" not in content


def test_dashboard_counts_what_an_operator_checks_first(admin_client, admin_user, make_user, chatroom, member):
    member_participant = Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=member)
    other = chatroom_create(creator=make_user("host"), name="Other room")
    # The member is in both chatrooms: one person, however many chatrooms they were seen in.
    participant_add(chatroom=other, user=member)
    yesterday = midnight() - timedelta(hours=1)
    Participant.objects.filter(user=member).update(last_seen_at=timezone.now())
    Participant.objects.filter(user=chatroom.created_by).update(last_seen_at=yesterday)
    for text in ("one", "two", "three"):
        post(member_participant, text)
    old = post(member_participant, "from yesterday")
    Message.objects.filter(pk=old.pk).update(sent_at=yesterday)
    message_hide(message=old, actor=admin_user, reason="rude")
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    sent_today = Message.objects.filter(sent_at__gte=midnight()).count()

    response = admin_client.get(INDEX)

    assert figures(response) == {
        "chatrooms": "2",
        "people active today": "1",
        "messages today": str(sent_today),
        "hidden messages": "1",
    }
    # Each number links to the list it counts, filtered the same way.
    links = {figure.label: figure.url for figure in response.context["dashboard"]}
    assert len(admin_client.get(links["messages today"]).context["cl"].result_list) == sent_today
    assert list(admin_client.get(links["hidden messages"]).context["cl"].result_list) == [old]
    seen_today = admin_client.get(links["people active today"]).context["cl"].result_list
    assert {participant.user for participant in seen_today} == {member}
    # The newest moderation first, with who did it and why.
    recent = response.context["recent_moderation"]
    assert [(entry.action, entry.actor) for entry in recent] == [("ban", admin_user), ("hide", admin_user)]
    content = response.content.decode()
    assert "admin · ban · member in Tea room" in content and ">spam</div>" in content


def test_dashboard_caps_the_message_count(admin_client, monkeypatch, chatroom, member):
    monkeypatch.setattr("chatsite.admin.DASHBOARD_COUNT_CAP", 2)
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    for text in ("one", "two", "three"):
        post(participant, text)
    assert figures(admin_client.get(INDEX))["messages today"] == "2+"


def _index_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries.captured_queries)


def test_dashboard_runs_a_fixed_number_of_queries(admin_client, admin_user, make_user, chatroom, member):
    small = _index_queries(admin_client)
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    for number in range(20):
        room = chatroom_create(creator=make_user(f"host{number}"), name=f"Room {number}")
        participant_add(chatroom=room, user=member)
        message_hide(message=post(participant, f"message {number}"), actor=admin_user, reason="tidy")
    Participant.objects.update(last_seen_at=timezone.now())
    large = _index_queries(admin_client)
    # Session, user, the four counts, the recent moderation, Django's own recent actions.
    assert small == large == 8


def test_dashboard_shows_only_what_the_operator_may_view(client, make_user, chatroom):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    response = client.get(INDEX)
    assert set(figures(response)) == {"messages today", "hidden messages"}
    assert response.context["recent_moderation"] is None
    assert b"Recent moderation" not in response.content


def test_groups_are_not_offered(admin_client, member):
    content = admin_client.get(INDEX).content.decode()
    assert "Groups" not in content and "/admin/auth/" not in content
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_group_changelist")
    assert admin_client.get("/admin/auth/group/").status_code == 404
    user_page = admin_client.get(change_url(member))
    assert "groups" not in user_page.context["adminform"].form.fields


def test_no_sidebar_of_models_beside_the_lists(admin_client, db):
    # The model list is the index itself; on every other page the sidebar would take a quarter of the width.
    page = admin_client.get(reverse("admin:chat_chatroom_changelist"))
    assert page.context["is_nav_sidebar_enabled"] is False
    assert b'id="nav-sidebar"' not in page.content
