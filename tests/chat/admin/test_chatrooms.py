"""Chatrooms: counts without multiplying, search and filters, created and renamed through the services."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.models import Channel, Chatroom, Message, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add
from tests.chat.admin.helpers import change_url, changelist_url, form_holding, listed, midnight, post


def test_chatroom_list_counts_participants_and_messages_without_multiplying(
    admin_client, make_user, chatroom, owner_participant, member_participant
):
    third = make_user("third")
    participant_add(chatroom=chatroom, user=third)
    for text in ("one", "two", "three"):
        post(member_participant, text)
    quiet = chatroom_create(creator=make_user("quiet"), name="Quiet room")

    rows = {room.pk: room for room in listed(admin_client, Chatroom)}
    # owner, member, third; the welcome message and three posts (a join of both would give 3 x 4 = 12).
    assert (rows[chatroom.pk].participant_count, rows[chatroom.pk].message_count) == (3, 4)
    assert (rows[quiet.pk].participant_count, rows[quiet.pk].message_count) == (1, 1)


def test_chatroom_search_and_date_filter(admin_client, make_user, chatroom):
    other = chatroom_create(creator=make_user("x"), name="Coffee corner")
    Chatroom.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=400))

    assert listed(admin_client, Chatroom, q="coffee") == [other]
    today = midnight()
    recent = listed(admin_client, Chatroom, created_at__gte=str(today), created_at__lt=str(today + timedelta(days=1)))
    assert recent == [chatroom]


def test_chatroom_change_page_shows_participants_and_channels(admin_client, chatroom, member, private_channel):
    response = admin_client.get(change_url(chatroom))
    formsets = {formset.opts.model: formset for formset in response.context["inline_admin_formsets"]}
    assert {form.instance.user for form in formsets[Participant].formset} == {chatroom.created_by, member}
    assert {form.instance.name for form in formsets[Channel].formset} == {"default", "staff"}


def test_chatroom_created_in_the_admin_goes_through_chatroom_create(admin_client, owner):
    response = admin_client.post(
        reverse("admin:chat_chatroom_add"),
        {"name": "Operators' room", "created_by": str(owner.pk), "reference_category": "", "reference_record_id": ""},
    )
    assert response.status_code == 302
    room = Chatroom.objects.get(name="Operators' room")
    assert Participant.objects.get(chatroom=room).role == Participant.Role.OWNER
    assert Channel.objects.filter(chatroom=room, is_default=True).exists()
    assert Message.objects.get(chatroom=room).text == f"Welcome {owner.username}!"


def test_chatroom_renamed_in_the_admin(admin_client, chatroom):
    form = form_holding(admin_client.get(change_url(chatroom)), "name")
    form["name"] = ["  Renamed room  "]
    response = admin_client.post(change_url(chatroom), form)
    assert response.status_code == 302
    chatroom.refresh_from_db()
    assert chatroom.name == "Renamed room"


def test_chatrooms_cannot_be_deleted_in_the_admin(admin_client, chatroom):
    delete_url = reverse("admin:chat_chatroom_delete", args=[chatroom.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Chatroom.objects.filter(pk=chatroom.pk).exists()


def test_chatroom_list_sorts_by_its_counts(admin_client, make_user, chatroom, member_participant):
    for text in ("one", "two"):
        post(member_participant, text)
    quiet = chatroom_create(creator=make_user("quiet"), name="A quiet room")
    columns = admin_client.get(changelist_url(Chatroom)).context["cl"].list_display
    by_messages = listed(admin_client, Chatroom, o=f"-{list(columns).index('message_count')}")
    assert by_messages == [chatroom, quiet]
    by_people = listed(admin_client, Chatroom, o=str(list(columns).index("participant_count")))
    assert by_people == [quiet, chatroom]


def test_chatroom_list_caps_the_message_count(admin_client, monkeypatch, chatroom, member_participant):
    monkeypatch.setattr("chat.admin.chatrooms.MESSAGE_COUNT_CAP", 2)
    for text in ("one", "two", "three"):
        post(member_participant, text)
    response = admin_client.get(changelist_url(Chatroom))
    assert response.context["cl"].result_list[0].message_count == 3
    assert b">2+</a>" in response.content


def reference_fieldset(response):
    (fieldset,) = [fieldset for fieldset in response.context["adminform"] if fieldset.name == "Origam reference"]
    return fieldset


@pytest.mark.parametrize("page", ["add", "change"])
def test_origam_reference_fields_are_folded_away_and_explained(admin_client, chatroom, page):
    url = reverse("admin:chat_chatroom_add") if page == "add" else change_url(chatroom)
    response = admin_client.get(url)
    fieldset = reference_fieldset(response)
    assert "collapse" in fieldset.classes and fieldset.is_collapsible
    assert tuple(fieldset.fields) == ("reference_category", "reference_record_id")
    assert "categoryName and referenceId" in fieldset.description
    content = response.content.decode()
    # Django draws a collapsible fieldset as a closed <details>: the fields are one click away, not in the way.
    assert re.search(r"<details>\s*<summary>\s*<h2[^>]*>\s*Origam reference", content)
    # No other fieldset holds them.
    main = response.context["adminform"].fieldsets[0][1]["fields"]
    assert "reference_category" not in main and "reference_record_id" not in main


def test_a_chatroom_created_with_an_origam_reference_keeps_it(admin_client, owner):
    record = uuid.uuid4()
    data = {"name": "Order 17", "created_by": str(owner.pk), "reference_category": "order"}
    response = admin_client.post(reverse("admin:chat_chatroom_add"), {**data, "reference_record_id": str(record)})
    assert response.status_code == 302
    room = Chatroom.objects.get(name="Order 17")
    assert (room.reference_category, room.reference_record_id) == ("order", record)
