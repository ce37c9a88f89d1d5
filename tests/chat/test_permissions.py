"""The r/w/x rules as a table: every kind of caller on a public and a private channel."""

import uuid

import pytest

from chat.access import chatroom_access
from chat.exceptions import Forbidden, NotFound, NotParticipant
from chat.models import ChannelGrant, Participant
from chat.permissions import effective_permissions
from chat.services.chatrooms import channel_create, grant_set
from chat.services.participants import participant_add, participant_ban

pytestmark = pytest.mark.django_db

RWX = (True, True, True)
RW = (True, True, False)
R = (True, False, False)
NONE = (False, False, False)

# caller -> (rights on a public channel, rights on a private channel); None: not a participant at all.
TABLE = {
    "owner": (RWX, RWX),
    "admin": (RWX, RWX),
    "member": (RW, NONE),
    "member granted r": (R, R),
    "member granted rw": (RW, RW),
    "member granted rwx": (RWX, RWX),
    "member granted nothing": (NONE, NONE),
    "admin granted nothing": (RWX, RWX),
    "non-member": None,
    "banned": None,
}
GRANTS = {"r": R, "rw": RW, "rwx": RWX, "nothing": NONE}


@pytest.fixture
def room(chatroom, owner):
    """The chatroom with a public and a private channel besides its default one."""
    return {
        "chatroom": chatroom,
        "public": channel_create(chatroom=chatroom, name="lobby", public=True),
        "private": channel_create(chatroom=chatroom, name="staff", public=False),
    }


def caller_for(case: str, room: dict, owner, make_user):
    chatroom = room["chatroom"]
    if case == "owner":
        return owner
    user = make_user()
    if case == "non-member":
        return user
    role = Participant.Role.ADMIN if case.startswith("admin") else Participant.Role.MEMBER
    participant, _ = participant_add(chatroom=chatroom, user=user, role=role)
    if " granted " in case:
        r, w, x = GRANTS[case.rsplit(" ", 1)[1]]
        for channel in (room["public"], room["private"]):
            grant_set(channel=channel, user=user, r=r, w=w, x=x, actor=owner)
    if case == "banned":
        participant_ban(participant=participant, actor=owner)
    return user


@pytest.mark.parametrize("case", TABLE)
def test_permission_table(case, room, owner, make_user):
    user = caller_for(case, room, owner, make_user)
    expected = TABLE[case]
    if expected is None:
        with pytest.raises(NotParticipant):
            chatroom_access(user=user, chatroom_id=room["chatroom"].pk)
        return
    access = chatroom_access(user=user, chatroom_id=room["chatroom"].pk)
    rights = {channel.id: (channel.r, channel.w, channel.x) for channel in access.channels}
    assert (rights[room["public"].pk], rights[room["private"].pk]) == expected

    for kind, channel in (("public", room["public"]), ("private", room["private"])):
        r, w, x = expected[0] if kind == "public" else expected[1]
        for need, allowed in (("r", r), ("w", w), ("x", x)):
            if allowed:
                assert access.channel(channel.pk, need=need).id == channel.pk
            elif not r:
                # A channel the caller cannot read is not even admitted to exist.
                with pytest.raises(NotFound):
                    access.channel(channel.pk, need=need)
            else:
                with pytest.raises(Forbidden) as error:
                    access.channel(channel.pk, need=need)
                assert error.value.code == f"no_{need}_permission"


def test_banned_participant_row_has_no_rights(room, owner, member):
    # Whoever reaches the row directly (the admin, a future adapter) must not read through a ban.
    participant = Participant.objects.get(chatroom=room["chatroom"], user=member)
    participant_ban(participant=participant, actor=owner)
    with pytest.raises(NotParticipant):
        chatroom_access(user=member, chatroom_id=room["chatroom"].pk)
    for role in Participant.Role.values:
        for public in (True, False):
            assert effective_permissions(role=role, public=public, grant=RWX, active=False) == NONE


def test_effective_permissions_rules():
    assert effective_permissions(role="owner", public=False, grant=NONE) == RWX
    assert effective_permissions(role="admin", public=False, grant=None) == RWX
    assert effective_permissions(role="member", public=True, grant=None) == RW
    assert effective_permissions(role="member", public=False, grant=None) == NONE
    assert effective_permissions(role="member", public=True, grant=R) == R


def test_chatroom_access_is_one_query_whatever_the_number_of_channels(room, owner, member, django_assert_num_queries):
    with django_assert_num_queries(1):
        few = chatroom_access(user=member, chatroom_id=room["chatroom"].pk).channels
    for number in range(20):
        channel = channel_create(chatroom=room["chatroom"], name=f"extra{number}", public=number % 2 == 0)
        grant_set(channel=channel, user=member, r=True, w=False, x=number % 3 == 0, actor=owner)
    with django_assert_num_queries(1):
        many = chatroom_access(user=member, chatroom_id=room["chatroom"].pk).channels
    assert len(few) == 3 and len(many) == 23
    assert [channel.name for channel in many[:3]] == ["default", "lobby", "staff"]


def test_chatroom_access_ignores_other_users_grants(room, owner, member, make_user):
    other = make_user()
    participant_add(chatroom=room["chatroom"], user=other)
    grant_set(channel=room["private"], user=other, r=True, w=True, x=True, actor=owner)
    access = chatroom_access(user=member, chatroom_id=room["chatroom"].pk)
    private = next(c for c in access.channels if c.id == room["private"].pk)
    assert (private.r, private.w, private.x) == NONE
    assert ChannelGrant.objects.count() == 1


def test_access_channel_of_another_chatroom_is_not_found(room, owner, member):
    from chat.services.chatrooms import chatroom_create

    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    foreign_channel = elsewhere.channels.get()
    access = chatroom_access(user=owner, chatroom_id=room["chatroom"].pk)
    for channel_id in (foreign_channel.pk, uuid.uuid4()):
        with pytest.raises(NotFound):
            access.channel(channel_id)


def test_require_moderator(room, owner, admin_member, member):
    chatroom = room["chatroom"]
    for user in (owner, admin_member):
        access = chatroom_access(user=user, chatroom_id=chatroom.pk)
        assert access.may_moderate
        access.require_moderator()
    access = chatroom_access(user=member, chatroom_id=chatroom.pk)
    assert not access.may_moderate
    with pytest.raises(Forbidden):
        access.require_moderator()


def test_chatroom_access_is_one_query(chatroom, member, outsider, django_assert_num_queries):
    with django_assert_num_queries(1):
        access = chatroom_access(user=member, chatroom_id=chatroom.pk)
        participant = access.participant
        assert participant.chatroom == chatroom and participant.user == member
        assert access.chatroom.name == chatroom.name and access.default_channel.r
    stored = Participant.objects.get(chatroom=chatroom, user=member)
    assert (participant.pk, participant.role, participant.joined_at, participant.last_read_at) == (
        stored.pk,
        stored.role,
        stored.joined_at,
        stored.last_read_at,
    )
    with pytest.raises(NotFound):
        chatroom_access(user=member, chatroom_id=uuid.uuid4())
    with pytest.raises(NotParticipant):
        chatroom_access(user=outsider, chatroom_id=chatroom.pk)
