"""Tokens: stored hashed, expiring, revocable, scoped to a chatroom or to the API."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import AuthToken
from chat.services.tokens import token_check, token_hash, token_issue, token_revoke, tokens_revoke_for

pytestmark = pytest.mark.django_db


def test_token_issue_stores_only_the_hash(member, settings):
    before = timezone.now()
    raw, token = token_issue(user=member, name="laptop")
    stored = AuthToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest() == token_hash(raw)
    assert raw not in {stored.key_hash, stored.name} and len(raw) >= 43
    assert stored.chatroom is None and stored.name == "laptop"
    ttl = timedelta(seconds=settings.CHAT_TOKEN_TTL_SECONDS)
    assert before + ttl <= stored.expires_at <= timezone.now() + ttl


def test_every_token_is_different(member):
    assert token_issue(user=member)[0] != token_issue(user=member)[0]


def test_token_check_answers_the_token_with_its_user(member, django_assert_num_queries):
    raw, token = token_issue(user=member)
    with django_assert_num_queries(1):
        checked = token_check(raw=raw)
        assert checked.pk == token.pk and checked.user.username == "member"


@pytest.mark.parametrize("raw", ["", "x" * 201, "not-a-token", "lone \ud800 surrogate"])
def test_token_check_refuses_garbage(member, raw):
    token_issue(user=member)
    assert token_check(raw=raw) is None


def test_expired_token_is_refused(member):
    raw, token = token_issue(user=member, ttl_seconds=60)
    AuthToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_check(raw=raw) is None


def test_revoked_token_is_refused(member):
    raw, _ = token_issue(user=member)
    assert token_revoke(raw=raw) is True
    assert token_check(raw=raw) is None
    assert token_revoke(raw=raw) is False


def test_inactive_user_is_refused(member):
    raw, _ = token_issue(user=member)
    member.is_active = False
    member.save()
    assert token_check(raw=raw) is None


def test_chatroom_log_in_and_bearer_token_do_not_stand_in_for_each_other(chatroom, owner, member):
    from chat.services.chatrooms import chatroom_create

    other = chatroom_create(creator=owner, name="Other")
    log_in, _ = token_issue(user=member, chatroom=chatroom)
    bearer, _ = token_issue(user=member)
    assert token_check(raw=log_in, chatroom_id=chatroom.pk).user == member
    assert token_check(raw=log_in) is None
    assert token_check(raw=log_in, chatroom_id=other.pk) is None
    assert token_check(raw=bearer).user == member
    assert token_check(raw=bearer, chatroom_id=chatroom.pk) is None


def test_log_in_ttl_setting(chatroom, member, settings):
    settings.CHAT_LOGIN_SESSION_TTL_SECONDS = 3600
    _raw, token = token_issue(user=member, chatroom=chatroom)
    assert timezone.now() + timedelta(minutes=59) < token.expires_at <= timezone.now() + timedelta(hours=1)


def test_tokens_revoke_for_one_chatroom_or_all(chatroom, owner, member):
    from chat.services.chatrooms import chatroom_create

    other = chatroom_create(creator=owner, name="Other")
    here, _ = token_issue(user=member, chatroom=chatroom)
    there, _ = token_issue(user=member, chatroom=other)
    bearer, _ = token_issue(user=member)
    someone_else, _ = token_issue(user=owner, chatroom=chatroom)
    assert tokens_revoke_for(user=member, chatroom=chatroom) == 1
    assert token_check(raw=here, chatroom_id=chatroom.pk) is None
    assert token_check(raw=there, chatroom_id=other.pk) is not None
    assert tokens_revoke_for(user=member) == 2
    assert token_check(raw=there, chatroom_id=other.pk) is None and token_check(raw=bearer) is None
    assert token_check(raw=someone_else, chatroom_id=chatroom.pk) is not None


def test_a_password_change_revokes_the_users_tokens(chatroom, member, owner):
    bearer, _ = token_issue(user=member)
    log_in, _ = token_issue(user=member, chatroom=chatroom)
    owners, _ = token_issue(user=owner)
    member.first_name = "Unchanged password"
    member.save()
    assert token_check(raw=bearer) is not None
    member.set_password("a brand new password")
    member.save()
    assert token_check(raw=bearer) is None
    assert token_check(raw=log_in, chatroom_id=chatroom.pk) is None
    assert token_check(raw=owners) is not None
    fresh, _ = token_issue(user=member)
    assert token_check(raw=fresh) is not None


@pytest.mark.parametrize("raw", ["", "lone \ud800 surrogate"])
def test_token_revoke_of_garbage_revokes_nothing(member, raw):
    token_issue(user=member)
    assert token_revoke(raw=raw) is False
    assert not AuthToken.objects.filter(revoked_at__isnull=False).exists()
