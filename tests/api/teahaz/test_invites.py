"""GET /invites creates an invite (admins); POST /invites uses one: new or existing account, atomic uses."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import AuthToken, Participant, User
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add, participant_ban
from invites.models import Invite, InviteRedemption
from invites.services import invite_create, invite_revoke
from tests.api.teahaz.conftest import as_user, post_json, url
from tests.conftest import PASSWORD


def create_invite(client: APIClient, user: User, chatroom, **params: str):
    return client.get(url("invites", chatroom.id), headers={**as_user(user), **params})


def redeem(client: APIClient, chatroom, invite_id: str, *, username: str = "newbie", password: str = PASSWORD):
    body = {"inviteID": invite_id, "username": username, "password": password}
    return post_json(client, url("invites", chatroom.id), body)


# GET: create


def test_create_invite_with_defaults(logged_in, owner, chatroom):
    before = timezone.now()
    response = create_invite(logged_in(owner), owner, chatroom)
    assert response.status_code == 200
    body = response.json()
    invite = Invite.objects.get()
    assert body == {
        "uid": invite.id,
        "inviteID": invite.id,
        "uses": 1,
        "expiration-time": invite.expires_at.timestamp(),
        "expiration_time": invite.expires_at.timestamp(),
        "chatroom_id": str(chatroom.id),
        "chatroomID": str(chatroom.id),
        "data": f"teahaz:{chatroom.id}/{invite.id}",
    }
    assert invite.chatroom == chatroom and invite.created_by == owner and invite.uses_left == 1
    week = timedelta(days=7)
    assert before + week <= invite.expires_at <= timezone.now() + week
    assert len(invite.id) >= 22  # at least 128 bits in URL-safe base64


def test_create_invite_with_uses_and_expiration_time(logged_in, admin_member, chatroom):
    expiry = datetime(2099, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    response = create_invite(
        logged_in(admin_member), admin_member, chatroom, uses="1000", **{"expiration-time": repr(expiry.timestamp())}
    )
    assert response.status_code == 200
    assert response.json()["uses"] == 1000
    assert response.json()["expiration-time"] == expiry.timestamp()
    invite = Invite.objects.get()
    assert (invite.uses_left, invite.expires_at) == (1000, expiry)


def test_invite_ids_differ(logged_in, owner, chatroom):
    client = logged_in(owner)
    ids = {create_invite(client, owner, chatroom).json()["inviteID"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"uses": "0"}, "invalid_uses"),
        ({"uses": "1001"}, "invalid_uses"),
        ({"uses": "-3"}, "invalid_uses"),
        ({"uses": "1.5"}, "invalid_uses"),
        ({"uses": "many"}, "invalid_uses"),
        ({"uses": "9" * 5000}, "invalid_uses"),
        ({"expiration-time": "1"}, "invalid_expiration_time"),
        ({"expiration-time": "nan"}, "invalid_expiration-time"),
        ({"expiration-time": "1e20"}, "invalid_expiration-time"),
        ({"expiration-time": "soon"}, "invalid_expiration-time"),
    ],
)
def test_create_invite_refuses_bad_parameters_with_400(logged_in, owner, chatroom, params, code):
    response = create_invite(logged_in(owner), owner, chatroom, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Invite.objects.exists()


def test_an_expiration_time_in_the_past_is_400(logged_in, owner, chatroom):
    past = repr((timezone.now() - timedelta(seconds=5)).timestamp())
    response = create_invite(logged_in(owner), owner, chatroom, **{"expiration-time": past})
    assert response.status_code == 400
    assert not Invite.objects.exists()


def test_a_member_may_not_create_invites(logged_in, member, chatroom):
    response = create_invite(logged_in(member), member, chatroom)
    assert response.status_code == 403
    assert response.json()["code"] == "not_chatroom_admin"
    assert not Invite.objects.exists()


def test_create_invite_parameters_from_the_query_string(logged_in, owner, chatroom):
    response = logged_in(owner).get(url("invites", chatroom.id), {"userID": "owner", "uses": "3"})
    assert response.status_code == 200 and response.json()["uses"] == 3


# POST: use


@pytest.mark.parametrize(("site", "status"), [("cross-site", 403), ("same-origin", 200), ("none", 200)])
def test_a_link_on_another_site_cannot_make_an_admin_create_an_invite(logged_in, owner, chatroom, site, status):
    client = logged_in(owner)

    response = client.get(url("invites", chatroom.id) + f"?userID={owner.id}", headers={"Sec-Fetch-Site": site})

    assert response.status_code == status
    assert Invite.objects.filter(chatroom=chatroom).count() == (1 if status == 200 else 0)


def test_use_invite_with_a_new_account(api_client, owner, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=2)
    response = redeem(api_client, chatroom, invite.id)
    assert response.status_code == 200
    user = User.objects.get(username="newbie")
    assert user.check_password(PASSWORD)
    body = response.json()
    assert body["chatroomID"] == str(chatroom.id) and body["userID"] == str(user.id)
    assert [channel["permissions"] for channel in body["channels"]] == [{"r": True, "w": True, "x": False}]
    assert list(response.cookies) == [str(chatroom.id)]
    assert response.cookies[str(chatroom.id)]["httponly"]
    participant = Participant.objects.get(chatroom=chatroom, user=user)
    assert participant.invited_by == owner and participant.role == Participant.Role.MEMBER
    invite.refresh_from_db()
    assert invite.uses_left == 1
    assert InviteRedemption.objects.filter(invite=invite, user=user).exists()
    # The cookie it set works.
    assert api_client.get(url("login", chatroom.id), headers=as_user(user)).status_code == 200


def test_use_invite_with_an_existing_account_and_its_password(api_client, owner, outsider, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner)
    wrong = redeem(api_client, chatroom, invite.id, username="outsider", password="wrong password")
    assert wrong.status_code == 401
    assert wrong.json() == {"detail": "Wrong username or password.", "code": "wrong_credentials"}
    assert not Participant.objects.filter(user=outsider).exists()
    right = redeem(api_client, chatroom, invite.id, username="OUTSIDER")
    assert right.status_code == 200 and right.json()["userID"] == str(outsider.id)
    assert Participant.objects.filter(user=outsider, chatroom=chatroom).exists()


def test_use_invite_in_its_data_form(api_client, owner, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner)
    response = redeem(api_client, chatroom, f"teahaz:{chatroom.id}/{invite.id}")
    assert response.status_code == 200


def test_a_participant_already_in_uses_nothing(api_client, owner, member, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    response = redeem(api_client, chatroom, invite.id, username="member")
    assert response.status_code == 200 and response.json()["userID"] == str(member.id)
    invite.refresh_from_db()
    assert invite.uses_left == 1
    assert Participant.objects.filter(user=member).count() == 1


def test_unknown_invite_or_one_of_another_chatroom_is_404(api_client, owner, chatroom):
    other = chatroom_create(creator=owner, name="Other")
    foreign = invite_create(chatroom=other, created_by=owner)
    for invite_id in ("no-such-invite", foreign.id, "x" * 200):
        response = redeem(api_client, chatroom, invite_id)
        assert response.status_code == 404
        assert response.json()["code"] == "invite_not_found"
    assert not User.objects.filter(username="newbie").exists()
    foreign.refresh_from_db()
    assert foreign.uses_left == 1


def test_expired_revoked_and_used_up_invites_are_403(api_client, owner, chatroom):
    expired = invite_create(chatroom=chatroom, created_by=owner)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invite_revoke(invite=invite_create(chatroom=chatroom, created_by=owner), actor=owner)
    used = invite_create(chatroom=chatroom, created_by=owner)
    assert redeem(api_client, chatroom, used.id, username="first").status_code == 200
    for invite, code in ((expired, "invite_expired"), (revoked, "invite_revoked"), (used, "invite_used_up")):
        response = redeem(APIClient(), chatroom, invite.id, username="second")
        assert response.status_code == 403
        assert response.json()["code"] == code
    assert not Participant.objects.filter(user__username="second").exists()


def test_a_banned_user_cannot_come_back_with_an_invite(api_client, owner, make_user, chatroom):
    banned = make_user("banned")
    participant_ban(participant=participant_add(chatroom=chatroom, user=banned)[0], actor=owner)
    invite = invite_create(chatroom=chatroom, created_by=owner)
    response = redeem(api_client, chatroom, invite.id, username="banned")
    assert response.status_code == 403
    assert response.json()["code"] == "banned"
    invite.refresh_from_db()
    assert invite.uses_left == 1
    assert not AuthToken.objects.filter(user=banned).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"inviteID": "x", "username": "newbie", "password": "short"},
        {"inviteID": "x", "username": "newbie"},
        {"username": "newbie", "password": PASSWORD},
        {"inviteID": 5, "username": "newbie", "password": PASSWORD},
        {"inviteID": "x" * 201, "username": "newbie", "password": PASSWORD},
        [],
    ],
)
def test_use_invite_refuses_bad_input_with_400(api_client, owner, chatroom, body):
    invite = invite_create(chatroom=chatroom, created_by=owner)
    if isinstance(body, dict) and body.get("inviteID") == "x":
        body["inviteID"] = invite.id
    response = post_json(api_client, url("invites", chatroom.id), body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
    invite.refresh_from_db()
    assert invite.uses_left == 1 and not User.objects.filter(username="newbie").exists()


def test_use_invite_failures_are_throttled(api_client, owner, outsider, chatroom, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 2
    invite = invite_create(chatroom=chatroom, created_by=owner)
    for _ in range(2):
        assert redeem(api_client, chatroom, invite.id, username="outsider", password="bad password").status_code == 401
    response = redeem(api_client, chatroom, invite.id, username="outsider")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_admit_exactly_the_uses(owner, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=3)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def join(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(redeem(APIClient(), chatroom, invite.id, username=f"racer{index}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 3 + [403] * 5
    invite.refresh_from_db()
    assert invite.uses_left == 0
    assert Participant.objects.filter(chatroom=chatroom, user__username__startswith="racer").count() == 3
    assert InviteRedemption.objects.filter(invite=invite).count() == 3
