"""The hand-written prologue statements (PostgreSQL) answer what the ORM's queries answer: tokens and access."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat import access as access_module
from chat.exceptions import NotParticipant
from chat.models import AuthToken, Participant
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.participants import participant_add, participant_ban
from chat.services.tokens import token_check, token_issue, token_revoke
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _token_both(settings, raw, **kwargs):
    answers = []
    for hot in (False, True):
        settings.CHAT_HOT_SQL = hot
        token = token_check(raw=raw, fresh=True, **kwargs)
        answers.append(None if token is None else (token.pk, token.chatroom_id, token.user.pk, token.user.username))
    return answers


def test_token_checks_answer_as_the_orm(settings, owner, member, chatroom, make_user):
    bearer, _token = token_issue(user=member)
    login, _login = token_issue(user=member, chatroom=chatroom)
    revoked, _revoked = token_issue(user=member)
    token_revoke(raw=revoked)
    expired, expired_token = token_issue(user=member)
    AuthToken.objects.filter(pk=expired_token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    idle = make_user("idle")
    inactive, _inactive = token_issue(user=idle)
    idle.is_active = False
    idle.save()
    cases = [
        (bearer, {}, True),
        (login, {"chatroom_id": chatroom.pk}, True),
        (login, {}, False),  # a chatroom's log-in is no bearer token
        (bearer, {"chatroom_id": chatroom.pk}, False),
        (revoked, {}, False),
        (expired, {}, False),
        (inactive, {}, False),
        ("no-such-token", {}, False),
    ]
    for raw, kwargs, valid in cases:
        orm, hot = _token_both(settings, raw, **kwargs)
        assert hot == orm, (raw, kwargs)
        assert (hot is not None) is valid, (raw, kwargs)
    # The hand-written path loads the user whole, as select_related would.
    settings.CHAT_HOT_SQL = True
    token = token_check(raw=bearer, fresh=True)
    assert token is not None and token.user.check_password(PASSWORD)
    assert token.user.display_name == member.display_name and token.user.is_active


def test_access_rows_answer_as_the_orm(owner, member, chatroom, make_user):
    private = channel_create(chatroom=chatroom, name="private", public=False)
    channel_create(chatroom=chatroom, name="open")
    grant_set(channel=private, user=member, r=True, w=False, x=False, actor=owner)
    banned = make_user("banned")
    participant_add(chatroom=chatroom, user=banned)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=banned), actor=owner)
    stranger = make_user("stranger")
    elsewhere = chatroom_create(creator=stranger, name="Elsewhere")
    for user in (owner, member, banned, stranger):
        for room in (chatroom, elsewhere):
            orm = access_module._access_rows(user_id=user.pk, chatroom_id=room.pk)
            hot = access_module._access_rows_sql(user_id=user.pk, chatroom_id=room.pk)
            assert hot == orm, (user.username, room.name)
            assert len(hot) == room.channels.count()


def test_access_through_either_path_is_the_same(settings, owner, member, chatroom, make_user):
    private = channel_create(chatroom=chatroom, name="private", public=False)
    grant_set(channel=private, user=member, r=True, w=True, x=False, actor=owner)
    accesses = []
    for hot in (False, True):
        settings.CHAT_HOT_SQL = hot
        access = access_module.chatroom_access(user=member, chatroom_id=chatroom.pk)
        accesses.append((access.channels, access.participant.role, access.participant.pk, access.chatroom.name))
        with pytest.raises(NotParticipant):
            access_module.chatroom_access(user=make_user(), chatroom_id=chatroom.pk)
    assert accesses[0] == accesses[1]
    assert [(c.name, c.r, c.w, c.x) for c in accesses[1][0] if c.name == "private"] == [("private", True, True, False)]


def _entered(access_or_error):
    if isinstance(access_or_error, Exception):
        return type(access_or_error).__name__
    return (access_or_error.channels, access_or_error.participant.pk, access_or_error.participant.role)


def _enter(user, chatroom_id, entry):
    try:
        return access_module.chatroom_enter(user=user, chatroom_id=chatroom_id, fresh=True, entry=entry)
    except Exception as error:  # NotParticipant, NotFound: compared by kind
        return error


def test_a_writes_token_check_reads_the_same_access_in_one_statement(owner, member, chatroom, make_user):
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    private = channel_create(chatroom=chatroom, name="private", public=False)
    grant_set(channel=private, user=member, r=True, w=True, x=False, actor=owner)
    banned = make_user("banned")
    participant_add(chatroom=chatroom, user=banned)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=banned), actor=owner)
    stranger = make_user("stranger")
    elsewhere = chatroom_create(creator=stranger, name="Elsewhere")
    revoked, _token = token_issue(user=member)
    token_revoke(raw=revoked)
    assert token_check(raw=revoked, fresh=True, entering=chatroom.pk) is None
    compared = 0
    for user in (owner, member, banned, stranger):
        raw, _token = token_issue(user=user)
        for room_id in (chatroom.pk, elsewhere.pk, uuid.uuid4()):
            with CaptureQueriesContext(connection) as queries:
                token = token_check(raw=raw, fresh=True, entering=room_id)
            assert token is not None and token.user == user and len(queries) == 1
            assert token.entry is not None and token.entry.chatroom_id == room_id
            plain = token_check(raw=raw, fresh=True)
            assert plain is not None and plain.pk == token.pk and plain.entry is None
            assert _entered(_enter(user, room_id, token.entry)) == _entered(_enter(user, room_id, None))
            compared += not isinstance(_enter(user, room_id, token.entry), Exception)
    # Owner and member in the chatroom, the stranger in theirs: three real accesses among the errors.
    assert compared == 3
    # An entry for another chatroom is never used for this one.
    raw, _token = token_issue(user=member)
    token = token_check(raw=raw, fresh=True, entering=elsewhere.pk)
    assert token is not None
    assert _entered(_enter(member, chatroom.pk, token.entry)) == _entered(_enter(member, chatroom.pk, None))
