"""Every admin page loads for an operator, and only for staff; writes need Django's CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from chat.models import AuthToken, Channel, Chatroom, Message, ModerationLog, Participant, User
from chat.services.chatrooms import grant_set
from chat.services.messages import message_hide
from chat.services.tokens import token_issue
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
