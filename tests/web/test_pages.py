"""The web client's pages through HTTP: the landing page, the chat shell, sign-up, invite links, the profile."""

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from chat.models import Participant, User
from chat.services.participants import participant_ban
from invites.models import Invite
from invites.services import invite_create, invite_revoke
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
STRONG = "a long enough passphrase 42"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_visitor_gets_the_landing_page_with_log_in_and_sign_up(client):
    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="/accounts/login/"' in page and ">Log in<" in page
    assert 'href="/accounts/signup/"' in page and ">Sign up<" in page
    assert 'role="log"' not in page  # no chat for a visitor


def test_closed_sign_up_is_not_offered(client, settings):
    settings.CHAT_SIGNUP_OPEN = False

    page = client.get("/").content.decode()

    assert ">Log in<" in page and "/accounts/signup/" not in page


def test_a_logged_in_person_gets_the_chat_with_its_landmarks(owner):
    response = logged_in(owner).get("/")

    page = response.content.decode()
    assert response.status_code == 200
    for landmark in (
        'aria-label="Chatrooms"',
        'role="log" aria-label="Messages"',
        'aria-label="Message"',
        'aria-label="Search messages"',
        'aria-label="Channels"',
        'role="status"',
        ">Send<",
        ">New chatroom<",
        ">Invite<",
        ">Leave<",
    ):
        assert landmark in page, landmark
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert any('type="module" src="/static/chat/app/main.js' in attributes for attributes, _body in scripts)
    assert 'id="participants" aria-labelledby="participants-title"' in page and ">Participants<" in page
    policy = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None and "unsafe-inline" not in script_src.group(1)


def test_a_chatroom_link_opens_that_chatroom_and_asks_a_visitor_to_log_in_first(client, owner, chatroom):
    anonymous = client.get(f"/chat/{chatroom.pk}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/accounts/login/?next=/chat/{chatroom.pk}/"

    page = logged_in(owner).get(f"/chat/{chatroom.pk}/").content.decode()
    assert f'data-chatroom="{chatroom.pk}"' in page


def test_sign_up_creates_the_account_logs_it_in_and_goes_on(client):
    response = client.post(
        "/accounts/signup/", {"username": "newcomer", "password1": STRONG, "password2": STRONG, "next": "/chat/x"}
    )

    assert response.status_code == 302 and response["Location"] == "/chat/x"
    user = User.objects.get(username="newcomer")
    assert user.check_password(STRONG)
    assert client.get("/").context["me"] == user


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password1": STRONG, "password2": STRONG + "!"}, "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "This password is too short."),
        ({"password1": "12345678901", "password2": "12345678901"}, "This password is entirely numeric."),
    ],
)
def test_sign_up_keeps_the_password_rules(client, fields, message):
    response = client.post("/accounts/signup/", {"username": "newcomer", **fields})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_sign_up_refuses_a_taken_name_and_an_unsafe_next(client, owner):
    taken = client.post("/accounts/signup/", {"username": "OWNER", "password1": STRONG, "password2": STRONG})
    assert taken.status_code == 409
    assert "already exists" in taken.content.decode()


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:/evil.example", "javascript:alert(1)",
     " //evil.example", "\t//evil.example"],
)  # fmt: skip
def test_sign_up_never_goes_on_to_another_site(client, elsewhere):
    response = client.post(
        "/accounts/signup/", {"username": "fresh", "password1": STRONG, "password2": STRONG, "next": elsewhere}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.filter(username="fresh").exists()


def test_closed_sign_up_refuses_unless_an_invite_link_admits(client, settings, owner, chatroom):
    settings.CHAT_SIGNUP_OPEN = False
    refused = client.post("/accounts/signup/", {"username": "nobody", "password1": STRONG, "password2": STRONG})
    assert refused.status_code == 403
    assert not User.objects.filter(username="nobody").exists()

    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    form = client.get(f"/accounts/signup/?invite={invite.pk}").content.decode()
    assert "Tea room" in form and f'name="invite" value="{invite.pk}"' in form
    admitted = client.post(
        "/accounts/signup/", {"username": "guest", "password1": STRONG, "password2": STRONG, "invite": invite.pk}
    )

    assert admitted.status_code == 302 and admitted["Location"] == f"/chat/{chatroom.pk}/"
    assert Participant.objects.active().filter(chatroom=chatroom, user__username="guest").exists()
    invite.refresh_from_db()
    assert invite.uses_left == 0
    again = Client().post(
        "/accounts/signup/", {"username": "second", "password1": STRONG, "password2": STRONG, "invite": invite.pk}
    )
    assert again.status_code == 403
    assert not User.objects.filter(username="second").exists()


def test_an_invite_that_cannot_admit_creates_no_account(client, owner, chatroom, make_user):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    invite_revoke(invite=invite, actor=owner)

    response = client.post(
        "/accounts/signup/", {"username": "late", "password1": STRONG, "password2": STRONG, "invite": invite.pk}
    )

    # Open sign-up still makes the account; the revoked invite admits it nowhere.
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Participant.objects.filter(chatroom=chatroom, user__username="late").exists()


def test_sign_up_while_logged_in_goes_on_without_a_new_account(owner):
    response = logged_in(owner).post(
        "/accounts/signup/", {"username": "second", "password1": STRONG, "password2": STRONG, "next": "/chat/x"}
    )

    assert response.status_code == 302 and response["Location"] == "/chat/x"
    assert not User.objects.filter(username="second").exists()


def test_sign_up_is_throttled_per_address(client, settings):
    settings.CHAT_SIGNUPS_PER_ADDRESS = 1
    first = client.post("/accounts/signup/", {"username": "one", "password1": STRONG, "password2": STRONG})
    assert first.status_code == 302
    second = Client().post("/accounts/signup/", {"username": "two", "password1": STRONG, "password2": STRONG})
    assert second.status_code == 429
    assert not User.objects.filter(username="two").exists()


def test_an_invite_link_shows_the_chatroom_and_offers_sign_up_and_log_in(client, owner, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner)

    page = client.get(f"/join/{invite.pk}").content.decode()

    assert "Tea room" in page
    assert f'href="/accounts/signup/?invite={invite.pk}"' in page
    assert f'href="/accounts/login/?next=/join/{invite.pk}"' in page


def test_joining_by_link_uses_one_use_and_lands_in_the_chatroom(owner, chatroom, make_user):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    guest = make_user("guest")
    client = logged_in(guest)

    response = client.post(f"/join/{invite.pk}")

    assert response.status_code == 302 and response["Location"] == f"/chat/{chatroom.pk}/"
    assert Participant.objects.active().filter(chatroom=chatroom, user=guest).exists()
    invite.refresh_from_db()
    assert invite.uses_left == 0
    used_up = logged_in(make_user("late")).post(f"/join/{invite.pk}")
    assert used_up.status_code == 410


def test_a_participant_opening_an_old_link_goes_to_the_chatroom(owner, chatroom, member):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    invite_revoke(invite=invite, actor=owner)

    response = logged_in(member).get(f"/join/{invite.pk}")

    assert response.status_code == 302 and response["Location"] == f"/chat/{chatroom.pk}/"


def test_an_unknown_revoked_or_expired_invite_admits_nobody(client, owner, chatroom, make_user):
    assert client.get("/join/not-an-invite").status_code == 404
    revoked = invite_create(chatroom=chatroom, created_by=owner)
    invite_revoke(invite=revoked, actor=owner)
    expired = invite_create(chatroom=chatroom, created_by=owner)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    guest = make_user("guest")
    for invite in (revoked, expired):
        response = logged_in(guest).post(f"/join/{invite.pk}")
        assert response.status_code == 410
        assert "cannot be used" in response.content.decode()
    assert not Participant.objects.filter(chatroom=chatroom, user=guest).exists()


def test_a_banned_user_cannot_come_back_by_link(owner, chatroom, member):
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=member), actor=owner)
    invite = invite_create(chatroom=chatroom, created_by=owner)
    client = logged_in(member)

    page = client.get(f"/join/{invite.pk}")
    response = client.post(f"/join/{invite.pk}")

    assert page.status_code == 403 and "banned" in page.content.decode() and "<button" not in page.content.decode()
    assert response.status_code == 403
    assert Participant.objects.get(chatroom=chatroom, user=member).state == Participant.State.BANNED


def png(size: int = 8) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    data.name = "me.png"
    return data


def test_the_profile_sets_a_display_name_and_an_avatar(owner):
    client = logged_in(owner)

    response = client.post("/accounts/profile/", {"display_name": "  The Owner ", "avatar": png()})

    assert response.status_code == 200 and "Saved." in response.content.decode()
    owner.refresh_from_db()
    assert owner.display_name == "The Owner"
    assert owner.avatar.name.startswith("avatars/")
    avatar = client.get(f"/chatrooms/Avatar/{owner.pk}")
    assert avatar.status_code == 200 and avatar["Content-Type"] == "image/png"


def test_the_profile_refuses_what_is_not_an_image_and_keeps_the_old_name(owner):
    fake = io.BytesIO(b"<svg onload=alert(1)>")
    fake.name = "me.png"

    response = logged_in(owner).post("/accounts/profile/", {"display_name": "Changed", "avatar": fake})

    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.display_name == "" and not owner.avatar


def test_the_profile_needs_a_log_in(client):
    assert client.get("/accounts/profile/").status_code == 302


def test_changing_the_password(owner):
    client = logged_in(owner)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    owner.refresh_from_db()
    assert owner.check_password(STRONG)


def test_the_chat_page_lists_every_event_type_the_stream_sends(owner):
    from chat.events.models import EventType

    page = logged_in(owner).get("/").content.decode()

    listed = re.search(r'data-event-types="([^"]*)"', page)
    assert listed is not None and set(listed.group(1).split()) == set(EventType.values)
