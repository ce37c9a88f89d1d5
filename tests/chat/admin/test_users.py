"""Users: the custom user in Django's user admin, and deletion passing chatroom ownership on."""

from django.urls import reverse

from chat.models import Participant, User
from tests.chat.admin.helpers import change_url, form_holding, listed
from tests.conftest import PASSWORD


def test_user_add_form_works_with_the_custom_user(admin_client):
    response = admin_client.post(
        reverse("admin:chat_user_add"),
        {
            "username": "newperson",
            "display_name": "New Person",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newperson")
    assert user.display_name == "New Person" and user.check_password(PASSWORD)
    again = admin_client.post(
        reverse("admin:chat_user_add"),
        {"username": "NEWPERSON", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert again.status_code == 200 and "username" in again.context["adminform"].form.errors


def test_user_profile_edited_in_the_admin(admin_client, member):
    page = admin_client.get(change_url(member))
    assert b"display_name" in page.content and b"color_r" in page.content and b"avatar" in page.content
    form = form_holding(page, "display_name")
    form.update({"display_name": ["Member M."], "color_r": ["10"], "color_g": ["20"], "color_b": ["30"]})
    form.pop("avatar", None)
    assert admin_client.post(change_url(member), form).status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.color_r, member.color_g, member.color_b) == ("Member M.", 10, 20, 30)
    assert listed(admin_client, User, q="Member M.") == [member]


def test_deleting_a_user_passes_their_chatrooms_ownership_on(admin_client, owner, chatroom, member_participant):
    delete_url = reverse("admin:chat_user_delete", args=[owner.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.OWNER
