"""`manage.py seed_demo`: a living demo chatroom, built through the services, and safe to run twice."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chat.access import chatroom_access
from chat.management.commands.seed_demo import CHATROOM_NAME, DEMO_PASSWORD
from chat.models import Channel, ChannelGrant, Chatroom, Message, ModerationLog, Participant, User
from invites.models import Invite


@pytest.fixture(autouse=True)
def _debug(settings):
    """The demo is for development servers (debug on); the refusal with debug off has its own tests."""
    settings.DEBUG = True


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Chatroom, Participant, Channel, ChannelGrant, Message, Invite, ModerationLog)
    }


@pytest.mark.django_db
def test_seed_demo_fills_a_demo_chatroom_and_says_how_to_log_in(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out

    room = Chatroom.objects.get(name=CHATROOM_NAME)
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == {"alice", "bob", "carol"}
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    roles = dict(Participant.objects.filter(chatroom=room).values_list("user__username", "role"))
    assert roles == {"alice": "owner", "bob": "member", "carol": "member"}

    staff = Channel.objects.get(chatroom=room, name="staff")
    assert not staff.public
    grant = ChannelGrant.objects.get(channel=staff)
    assert (grant.user.username, grant.r, grant.w, grant.x) == ("bob", True, True, False)
    access = {
        name: {c.name: c.r for c in chatroom_access(user=user, chatroom_id=room.pk).channels}
        for name, user in users.items()
    }
    assert access["bob"]["staff"] and not access["carol"]["staff"]

    texts = list(Message.objects.filter(chatroom=room).values_list("text", flat=True))
    assert len(texts) >= 5 and f"Welcome {users['alice'].username}!" in texts
    mentioned = Message.objects.get(chatroom=room, mentions=users["bob"])
    assert mentioned.author == users["carol"] and "@bob" in mentioned.text
    assert Message.objects.filter(channel=staff).count() >= 2

    invite = Invite.objects.get(chatroom=room)
    assert invite.state == Invite.State.ACTIVE

    assert DEMO_PASSWORD in out and "/accounts/login/" in out and "/admin/" in out
    assert str(room.pk) in out and invite.pk in out


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first_out = capsys.readouterr().out
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before
    assert capsys.readouterr().out == first_out


@pytest.mark.django_db
def test_seed_demo_leaves_an_existing_accounts_password_alone(make_user, capsys):
    existing = make_user("alice")
    call_command("seed_demo")
    existing.refresh_from_db()
    assert not existing.check_password(DEMO_PASSWORD)
    assert Chatroom.objects.get(name=CHATROOM_NAME).created_by == existing


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_says_why(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as error:
        call_command("seed_demo")
    assert "debug off" in str(error.value) and DEMO_PASSWORD in str(error.value) and "--force" in str(error.value)
    assert not User.objects.exists() and not Chatroom.objects.exists()


@pytest.mark.django_db
def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    assert Chatroom.objects.filter(name=CHATROOM_NAME).exists()
