"""The admin's message pages show an edited message's earlier versions and a deleted message's state."""

import pytest
from django.contrib.auth.models import Permission

from chat.models import Message
from chat.services.messages import message_delete, message_edit
from tests.access import access_of
from tests.chat.admin.helpers import change_url, listed, post

pytestmark = pytest.mark.django_db


def test_an_edited_message_page_lists_its_earlier_versions(admin_client, member_participant, member):
    message = post(member_participant, "first draft")
    access = access_of(member_participant)
    message_edit(access=access, message_id=message.pk, body="second draft", fmt="plain")
    message_edit(access=access, message_id=message.pk, body="final words", fmt="plain")
    page = admin_client.get(change_url(message))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Earlier versions" in content
    assert content.index("first draft") < content.index("second draft")
    assert "final words" in content
    (formset,) = page.context["inline_admin_formsets"]
    assert [version.text for version in formset.formset.queryset] == ["first draft", "second draft"]
    assert {version.edited_by for version in formset.formset.queryset} == {member}
    # Nothing there can be changed: no inputs for the versions.
    assert 'name="versions-0-text"' not in content
    assert "edited" in listed_states(admin_client, message)


def test_an_unedited_message_page_has_no_versions_table(admin_client, member_participant):
    page = admin_client.get(change_url(post(member_participant, "as sent")))
    assert page.context["inline_admin_formsets"] == []
    assert "Earlier versions" not in page.content.decode()


def test_a_moderator_who_may_view_messages_sees_the_versions(client, make_user, member_participant):
    moderator = make_user("viewer", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(moderator)
    message = post(member_participant, "before")
    message_edit(access=access_of(member_participant), message_id=message.pk, body="after", fmt="plain")
    content = client.get(change_url(message)).content.decode()
    assert "Earlier versions" in content and "before" in content


def test_a_deleted_message_page_says_who_deleted_it_and_when(admin_client, owner_participant, member_participant):
    message = post(member_participant, "regrettable")
    message_delete(access=access_of(owner_participant), message_id=message.pk)
    content = admin_client.get(change_url(message)).content.decode()
    assert "Deleted by" in content and owner_participant.user.username in content
    assert "regrettable" in content
    assert listed(admin_client, Message, deleted="yes") == [message]
    assert message not in listed(admin_client, Message, deleted="no")
    assert "deleted" in listed_states(admin_client, message)


def listed_states(admin_client, message: Message) -> str:
    """The state column of the message's row in the list."""
    page = admin_client.get("/admin/chat/message/", {"chatroom__id__exact": message.chatroom_id})
    row = next(row for row in page.context["cl"].result_list if row.pk == message.pk)
    return page.context["cl"].model_admin.state(row)
