"""Whom chat users are offered to invite or mention: never an inactive account, an operator only once it has joined."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import User
from chat.selectors.users import users_in_chatroom, users_other_than, users_to_invite
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add
from chat.services.tokens import token_issue
from tests.api.origam.helpers import API, room_url

pytestmark = pytest.mark.django_db

PAGE = {"search_phrase": "", "limit": 100, "offset": 0}


def names(rows: list[dict]) -> set[str]:
    return {row["username"] for row in rows}


@pytest.fixture
def people(make_user) -> dict[str, User]:
    return {
        "root": make_user("root", is_staff=True, is_superuser=True),
        "staff": make_user("staffer", is_staff=True),
        "sleeper": make_user("sleeper", is_active=False),
        "plain": make_user("plain"),
    }


def test_operators_and_inactive_users_are_not_offered(people, owner, chatroom):
    assert names(users_to_invite(chatroom_id=chatroom.pk, **PAGE)) == {"plain"}
    assert names(users_other_than(user_id=owner.pk, **PAGE)) == {"plain"}


def test_an_operator_who_joined_a_chatroom_is_offered(people, owner, chatroom):
    elsewhere = chatroom_create(creator=people["root"], name="Operators' room")
    assert names(users_to_invite(chatroom_id=chatroom.pk, **PAGE)) == {"plain", "root"}
    assert names(users_other_than(user_id=owner.pk, **PAGE)) == {"plain", "root"}
    assert "root" in names(users_in_chatroom(chatroom_id=elsewhere.pk, **PAGE))


def test_an_inactive_participant_is_not_offered_to_mention(people, make_user, owner, chatroom):
    participant_add(chatroom=chatroom, user=people["plain"])
    leaver = make_user("leaver")
    participant_add(chatroom=chatroom, user=leaver)
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # deactivated after joining
    assert names(users_in_chatroom(chatroom_id=chatroom.pk, **PAGE)) == {"owner", "plain"}


def test_through_the_origam_lists(people, owner, chatroom, api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=owner, name='test')[0]}")
    for path in (API + "users/listToInvite", room_url(chatroom, "usersToInvite")):
        response = api_client.get(path)
        assert response.status_code == 200
        assert [user["name"] for user in response.json()] == ["plain"]


@pytest.mark.postgres
@pytest.mark.parametrize("select", ["other_than", "to_invite"])
def test_a_name_search_over_all_users_is_served_by_the_trigram_indexes(select, chatroom, owner):
    # (A search among a chatroom's participants starts from the participants: a few rows, no index needed.)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO chat_user
                (id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                 date_joined, display_name, color_r, color_g, color_b, avatar, username_canonical, username_skeleton)
            SELECT gen_random_uuid(), '!', false, 'user' || i, '', '', '', false, true, now(), 'Person ' || i,
                   0, 0, 0, '', 'user' || i, 'user' || i
            FROM generate_series(1, 20000) AS i
            """
        )
        cursor.execute("ANALYZE chat_user")
        # At this size the planner would as soon read the table whole; with many users it never would.
        cursor.execute("SET LOCAL enable_seqscan = off")

    with CaptureQueriesContext(connection) as queries:
        if select == "other_than":
            rows = users_other_than(user_id=owner.pk, search_phrase="ER1234", limit=20, offset=0)
        else:
            rows = users_to_invite(chatroom_id=chatroom.pk, search_phrase="ER1234", limit=20, offset=0)

    assert names(rows) == {"user1234", *(f"user1234{i}" for i in range(10))}
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # icontains compares UPPER(name) LIKE '%...%': the expression each trigram index is built on.
    assert "chat_user_username_trgm_idx" in plan, plan
    assert "chat_user_display_name_trgm_idx" in plan, plan
