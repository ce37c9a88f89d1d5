"""v1 chatrooms, channels, participants, invites, users and me through HTTP, then the stored rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Channel, Chatroom, ModerationLog, Participant
from invites.models import Invite

pytestmark = pytest.mark.django_db


def test_chatrooms_create_list_by_name_rename_and_leave(client_for, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    client = client_for(alice)
    created = client.post("/api/v1/chatrooms/", {"name": "Book club"}, format="json")
    client.post("/api/v1/chatrooms/", {"name": "Garden"}, format="json")
    assert created.status_code == 201 and created.json()["role"] == "owner"
    room = created.json()["id"]

    assert [c["name"] for c in client.get("/api/v1/chatrooms/?name=BOOK").json()] == ["Book club"]
    assert client_for(bob).get("/api/v1/chatrooms/").json() == []
    assert client_for(bob).get(f"/api/v1/chatrooms/{room}/").status_code == 404

    renamed = client.patch(f"/api/v1/chatrooms/{room}/", {"name": "Readers"}, format="json")
    assert renamed.status_code == 200 and Chatroom.objects.get(pk=room).name == "Readers"
    assert client.patch(f"/api/v1/chatrooms/{room}/", {"name": " "}, format="json").json()["code"] == "blank"

    assert client.post(f"/api/v1/chatrooms/{room}/leave/").status_code == 204
    assert not Participant.objects.filter(chatroom_id=room, user=alice).exists()


def test_channels_are_created_by_admins_and_listed_with_the_callers_rights(client_for, owner, member, chatroom):
    url = "/api/v1/channels/"
    refused = client_for(member).post(url, {"chatroom": str(chatroom.pk), "name": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "not_chatroom_admin"
    made = client_for(owner).post(url, {"chatroom": str(chatroom.pk), "name": "staff", "public": False}, format="json")
    assert made.status_code == 201 and made.json()["permissions"] == {"r": True, "w": True, "x": True}
    assert Channel.objects.filter(chatroom=chatroom, name="staff", public=False).exists()
    again = client_for(owner).post(url, {"chatroom": str(chatroom.pk), "name": "staff"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "duplicate_channel"

    seen = client_for(member).get(f"{url}?chatroom={chatroom.pk}").json()
    assert [(c["name"], c["permissions"]) for c in seen] == [("default", {"r": True, "w": True, "x": False})]
    assert client_for(member).get(f"{url}{made.json()['id']}/").status_code == 404


def test_participants_filters_and_moderation(client_for, owner, member, admin_member, chatroom):
    url = "/api/v1/participants/"
    mine = client_for(owner)
    listed = mine.get(f"{url}?chatroom={chatroom.pk}").json()
    by_user = {p["user"]["username"]: p for p in listed}
    assert {name: p["role"] for name, p in by_user.items()} == {
        "owner": "owner",
        "member": "member",
        "roomadmin": "admin",
    }
    assert [p["user"]["username"] for p in mine.get(f"{url}?chatroom={chatroom.pk}&role=admin").json()] == ["roomadmin"]
    Participant.objects.filter(chatroom=chatroom, user=admin_member).update(
        last_seen_at=timezone.now() - timedelta(hours=2)
    )
    presence = {
        status: [p["user"]["username"] for p in mine.get(f"{url}?chatroom={chatroom.pk}&presence={status}").json()]
        for status in ("online", "offline", "none")
    }
    assert presence == {"online": ["owner"], "offline": ["roomadmin"], "none": ["member"]}

    target = by_user["member"]["id"]
    assert client_for(member).post(f"{url}{target}/ban/", {}, format="json").status_code == 403
    banned = mine.post(f"{url}{target}/ban/", {"reason": "spam"}, format="json")
    assert banned.status_code == 200 and banned.json()["state"] == "banned"
    assert Participant.objects.get(pk=target).state == "banned"
    assert ModerationLog.objects.filter(action="ban", reason="spam").exists()
    assert [p["user"]["username"] for p in mine.get(f"{url}?chatroom={chatroom.pk}&state=banned").json()] == ["member"]
    assert mine.post(f"{url}{target}/unban/").json()["state"] == "active"

    promoted = mine.patch(f"{url}{target}/", {"role": "admin"}, format="json")
    assert promoted.status_code == 200 and Participant.objects.get(pk=target).role == "admin"
    assert mine.patch(f"{url}{target}/", {"role": "king"}, format="json").json()["code"] == "invalid_choice"
    owner_row = by_user["owner"]["id"]
    protected = client_for(member).delete(f"{url}{owner_row}/")
    assert protected.status_code == 403 and protected.json()["code"] == "owner_protected"
    assert mine.delete(f"{url}{target}/").status_code == 204
    assert not Participant.objects.filter(pk=target).exists()


def test_a_member_sees_only_active_participants(client_for, owner, member, make_user, chatroom):
    banned = make_user("gone")
    Participant.objects.create(chatroom=chatroom, user=banned, state=Participant.State.BANNED)
    names = {
        p["user"]["username"] for p in client_for(member).get(f"/api/v1/participants/?chatroom={chatroom.pk}").json()
    }
    assert names == {"owner", "member"}


def test_invites_created_listed_revoked_and_redeemed(client_for, owner, make_user, chatroom):
    admin = client_for(owner)
    made = admin.post("/api/v1/invites/", {"chatroom": str(chatroom.pk), "uses": 2}, format="json")
    assert made.status_code == 201 and made.json()["state"] == "active"
    invite_id = made.json()["id"]
    assert [i["id"] for i in admin.get(f"/api/v1/invites/?chatroom={chatroom.pk}").json()] == [invite_id]
    assert admin.post("/api/v1/invites/", {"chatroom": str(chatroom.pk), "uses": 0}, format="json").status_code == 400

    newcomer = make_user("newcomer")
    joined = client_for(newcomer).post(
        f"/api/v1/invites/{invite_id}/redeem/", {"chatroom": str(chatroom.pk)}, format="json"
    )
    assert joined.status_code == 200 and joined.json()["id"] == str(chatroom.pk)
    assert Participant.objects.filter(chatroom=chatroom, user=newcomer, state="active").exists()
    assert Invite.objects.get(pk=invite_id).uses_left == 1

    assert admin.post(f"/api/v1/invites/{invite_id}/revoke/").json()["state"] == "revoked"
    late = client_for(make_user("late")).post(
        f"/api/v1/invites/{invite_id}/redeem/", {"chatroom": str(chatroom.pk)}, format="json"
    )
    assert late.status_code == 403 and late.json()["code"] == "invite_revoked"
    wrong = client_for(make_user("lost")).post(
        "/api/v1/invites/nope/redeem/", {"chatroom": str(chatroom.pk)}, format="json"
    )
    assert wrong.status_code == 404 and wrong.json()["code"] == "invite_not_found"


def test_users_by_name_for_inviting_and_mentioning(client_for, owner, member, make_user, chatroom):
    make_user("membrane")
    client = client_for(owner)
    assert [u["username"] for u in client.get("/api/v1/users/?search=MEMB").json()] == ["member", "membrane"]
    invite = client.get(f"/api/v1/users/?search=memb&chatroom={chatroom.pk}&purpose=invite").json()
    mention = client.get(f"/api/v1/users/?search=memb&chatroom={chatroom.pk}&purpose=mention").json()
    assert [u["username"] for u in invite] == ["membrane"] and [u["username"] for u in mention] == ["member"]
    assert client.get("/api/v1/users/?limit=0").json()["code"] == "min_value"


def test_me_and_anonymous(client_for, api_client, owner):
    me = client_for(owner).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "owner" and len(me.json()["color"]) == 3
    refused = api_client.get("/api/v1/me/")
    assert refused.status_code == 401 and set(refused.json()) == {"detail", "code"}


def test_a_session_write_follows_the_cross_site_rule(api_client, owner, chatroom):
    api_client.force_login(owner)
    body = {"chatroom": str(chatroom.pk), "body": "hi"}
    foreign = api_client.post("/api/v1/messages/", body, format="json", HTTP_ORIGIN="https://evil.example")
    form = api_client.post("/api/v1/messages/", body)
    assert foreign.status_code == 403 and foreign.json()["code"] == "cross_site_refused"
    assert form.status_code == 415
    assert api_client.post("/api/v1/messages/", body, format="json").status_code == 201
