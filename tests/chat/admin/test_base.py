"""The shared pieces: the paginator that never counts a big table, and the chatroom filter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.admin.base import ChatroomFilter, CheapCountPaginator
from chat.models import Message
from chat.services.chatrooms import chatroom_create
from tests.chat.admin.helpers import changelist_url, post


def test_paginator_caps_the_count(admin_client, monkeypatch, chatroom, member_participant):
    monkeypatch.setattr(CheapCountPaginator, "cap", 3)
    for number in range(5):
        post(member_participant, f"message {number}")
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": chatroom.pk})
    cl = response.context["cl"]
    assert cl.result_count == 3 and cl.paginator.count_is_capped
    assert b"more than 3" in response.content


def test_paginator_uses_the_planner_estimate_on_an_unfiltered_postgresql_table(
    is_postgres, monkeypatch, chatroom, member_participant
):
    if not is_postgres:
        pytest.skip("the estimate comes from PostgreSQL's pg_class")
    monkeypatch.setattr(CheapCountPaginator, "cap", 3)
    for number in range(6):
        post(member_participant, f"message {number}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chat_message")
    paginator = CheapCountPaginator(Message.objects.order_by("-sent_at"), 2)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 7
    assert paginator.count_is_estimate
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


def test_chatroom_filter_lists_a_few_chatrooms_and_always_the_chosen_one(
    admin_client, monkeypatch, make_user, chatroom, member_participant
):
    monkeypatch.setattr(ChatroomFilter, "shown", 1)
    late = chatroom_create(creator=make_user("zed"), name="Zzz room")
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": late.pk})
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "chatroom")
    assert [label for _value, label in spec.lookup_choices] == ["Zzz room", "Tea room"]
    assert {message.chatroom_id for message in response.context["cl"].result_list} == {late.pk}
    assert admin_client.get(changelist_url(Message), {"chatroom__id__exact": "nope"}).status_code == 302
