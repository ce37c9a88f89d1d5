"""Channels and grants: created, set, changed and cleared through the services."""

from django.urls import reverse

from chat.models import Channel, ChannelGrant
from tests.chat.admin.helpers import change_url, form_holding, listed, log_of


def _grant_form(admin_client, channel: Channel) -> dict[str, list[str]]:
    return form_holding(admin_client.get(change_url(channel)), "grants-TOTAL_FORMS")


def test_grants_are_set_changed_and_cleared_through_the_services(admin_client, admin_user, member, private_channel):
    form = _grant_form(admin_client, private_channel)
    form.update({"grants-TOTAL_FORMS": ["1"], "grants-0-user": [str(member.pk)], "grants-0-r": ["on"]})
    form["grants-0-w"] = ["on"]
    form["grants-0-channel"] = [str(private_channel.pk)]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    grant = ChannelGrant.objects.get(channel=private_channel, user=member)
    assert (grant.r, grant.w, grant.x, grant.granted_by) == (True, True, False, admin_user)
    assert log_of("grant:rw-").actor == admin_user

    form = _grant_form(admin_client, private_channel)
    form["grants-0-x"] = ["on"]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    grant.refresh_from_db()
    assert grant.x
    assert log_of("grant:rwx").actor == admin_user

    form = _grant_form(admin_client, private_channel)
    form["grants-0-DELETE"] = ["on"]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    assert not ChannelGrant.objects.filter(channel=private_channel).exists()
    assert log_of("grant:clear").actor == admin_user


def test_channel_created_in_the_admin(admin_client, chatroom):
    response = admin_client.post(
        reverse("admin:chat_channel_add"), {"chatroom": chatroom.pk, "name": "announcements", "public": ""}
    )
    assert response.status_code == 302
    channel = Channel.objects.get(chatroom=chatroom, name="announcements")
    assert not channel.public and not channel.is_default
    duplicate = admin_client.post(reverse("admin:chat_channel_add"), {"chatroom": chatroom.pk, "name": "default"})
    assert duplicate.status_code == 200 and duplicate.context["errors"]


def test_channel_list_search(admin_client, chatroom, private_channel):
    assert listed(admin_client, Channel, q="staff") == [private_channel]


def test_a_channel_is_renamed_and_made_public_through_the_service(admin_client, admin_user, private_channel):
    form = _grant_form(admin_client, private_channel)
    form.update({"name": ["team"], "public": ["on"]})
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    private_channel.refresh_from_db()
    assert (private_channel.name, private_channel.public) == ("team", True)
    entry = log_of("channel")
    assert (entry.actor, entry.target) == (admin_user, "#team: renamed from #staff, made public")


def test_a_rename_to_a_taken_name_is_a_form_error(admin_client, private_channel):
    form = _grant_form(admin_client, private_channel)
    form["name"] = ["default"]
    response = admin_client.post(change_url(private_channel), form)
    assert response.status_code == 200 and response.context["errors"]
    assert Channel.objects.get(pk=private_channel.pk).name == "staff"
