"""The admin's message search goes through chat.selectors.search: words anywhere in the text, or an author."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Message
from tests.chat.admin.helpers import changelist_url, listed, post

pytestmark = pytest.mark.django_db


def test_every_word_anywhere_in_the_text_or_the_author_named(admin_client, member_participant, owner_participant):
    apart = post(member_participant, "World news: hello from the garden")
    post(member_participant, "hello only")
    by_owner = post(owner_participant, "nothing in common")
    assert listed(admin_client, Message, q="hello world") == [apart]
    # The owner's messages, and the welcome that names them.
    assert set(listed(admin_client, Message, q="OWNER")) == {by_owner, Message.objects.get(kind="system")}
    # The author's name is matched whole, not as a part of a word.
    assert listed(admin_client, Message, q="membe") == []


def test_a_search_too_long_is_refused_with_a_message(admin_client, member_participant):
    post(member_participant, "hello")
    response = admin_client.get(changelist_url(Message), {"q": "hello " * 40}, follow=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "at most 200 characters" in response.content.decode()


@pytest.mark.postgres
def test_on_postgres_the_search_is_the_full_text_match(admin_client, member_participant):
    post(member_participant, "hello world")
    with CaptureQueriesContext(connection) as queries:
        listed(admin_client, Message, q="hello")
    searches = [query["sql"] for query in queries.captured_queries if "chat_message" in query["sql"]]
    assert any("to_tsvector" in sql and "websearch_to_tsquery" in sql for sql in searches)
    assert not any("LIKE" in sql and '"chat_message"."text"' in sql for sql in searches)
