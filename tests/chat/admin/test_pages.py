"""Every admin page loads for an operator, and only for staff; writes need Django's CSRF token."""

import pytest
from django.contrib.admin.templatetags.admin_list import result_headers
from django.test import Client
from django.urls import reverse

from chat.models import AuthToken, Channel, Chatroom, Message, ModerationLog, Participant, User
from chat.services.chatrooms import grant_set
from chat.services.messages import message_hide
from chat.services.tokens import token_issue
from invites.models import Invite
from invites.services import invite_create
from tests.chat.admin.helpers import change_url, changelist_url, post


@pytest.fixture
def every_object(chatroom, owner, member, member_participant, private_channel, admin_user):
    grant_set(channel=private_channel, user=member, r=True, w=True, x=False, actor=owner)
    message = post(member_participant, "hello there")
    _raw, token = token_issue(user=member)
    return {
        Chatroom: chatroom,
        Participant: member_participant,
        Channel: private_channel,
        Message: message,
        User: member,
        AuthToken: token,
        ModerationLog: ModerationLog.objects.get(action="grant:rw-"),
    }


@pytest.mark.parametrize("model", [Chatroom, Participant, Channel, Message, User, AuthToken, ModerationLog])
def test_changelist_and_change_page_load(admin_client, every_object, model):
    obj = every_object[model]
    response = admin_client.get(changelist_url(model))
    assert response.status_code == 200
    assert obj in response.context["cl"].result_list
    response = admin_client.get(change_url(obj))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize(
    ("model", "status"),
    [(Chatroom, 200), (Participant, 200), (Channel, 200), (User, 200), (AuthToken, 200), (Message, 403)],
)
def test_add_pages(admin_client, db, model, status):
    response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    assert response.status_code == status


def test_admin_is_for_staff_only(client, member):
    client.force_login(member)
    response = client.get(changelist_url(Message))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_refuses_a_post_without_csrf_token(admin_user, member_participant):
    message = post(member_participant, "spam")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    data = {"action": "unhide_messages", "index": "0", "_selected_action": [str(message.pk)]}
    message_hide(message=message, actor=admin_user, reason="spam")

    refused = browser.post(changelist_url(Message), data)
    assert refused.status_code == 403
    message.refresh_from_db()
    assert message.hidden_at is not None

    # The same request with the token the admin page hands out goes through: the protection is Django's own.
    browser.get(changelist_url(Message))
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    assert browser.post(changelist_url(Message), data).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is None


# Few, short columns: each list fits a 1280 px screen beside its filters.
COLUMNS = {
    Message: ["sent", "where", "author", "text", "state"],
    Participant: ["user", "chatroom", "role", "state", "last seen", "joined"],
    User: ["username", "display name", "colour", "email address", "active", "staff", "joined"],
    Chatroom: ["name", "created by", "created", "participants", "messages"],
    Channel: ["name", "chatroom", "public", "is default", "created", "messages"],
    AuthToken: ["user", "chatroom", "name", "created", "expires", "valid"],
    ModerationLog: ["when", "actor", "action", "target", "reason"],
    Invite: ["invite", "chatroom", "created by", "uses left", "expires", "state"],
}


@pytest.mark.parametrize("model", list(COLUMNS))
def test_list_columns_are_few_and_short(admin_client, every_object, model):
    invite_create(chatroom=every_object[Chatroom], created_by=every_object[User], uses=2)
    response = admin_client.get(changelist_url(model))
    # Every column but the action checkbox's.
    headers = [str(header["text"]).lower() for header in result_headers(response.context["cl"])]
    assert [text for text in headers if "<input" not in text] == COLUMNS[model]
    content = response.content.decode()
    # Times in a form that stays on one line ("2026-12-01 09:08"), never Django's "Dec. 1, 2026, 9:08 a.m.".
    assert '<time class="nowrap"' in content and "a.m." not in content and "p.m." not in content
    # The first column opens the object.
    assert len(response.context["cl"].list_display_links) == 1
