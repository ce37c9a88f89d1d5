"""Bearer tokens and Teahaz log-in cookies: issued once, stored hashed, expiring, revocable."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.access import access_of_entry_rows, entry_columns_and_joins
from chat.caches import model_copy, token_key, token_version_key, tokens_changed, versioned
from chat.exceptions import Code, Invalid
from chat.limits import TOKEN_MAX_LENGTH, TOKEN_NAME_MAX_LENGTH
from chat.models import AuthToken, Chatroom, User
from chat.services.moderation import moderation_log_add
from chat.sql import fetch_rows, hot_sql_enabled
from chat.text import is_storable

# The longest life an operator may give a bearer token (the admin's form and manage.py issue_token).
OPERATOR_TOKEN_MAX_DAYS = 3650


def token_hash(raw: str) -> str:
    """The stored form of a token: its SHA-256 (tokens carry 256 random bits, so no salt is needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(
    *, user: User, chatroom: Chatroom | None = None, ttl_seconds: int | None = None, name: str = ""
) -> tuple[str, AuthToken]:
    """Issues a token (a chatroom log-in when a chatroom is given); the raw value is returned once."""
    if ttl_seconds is None:
        ttl_seconds = settings.CHAT_LOGIN_SESSION_TTL_SECONDS if chatroom else settings.CHAT_TOKEN_TTL_SECONDS
    raw = secrets.token_urlsafe(32)
    token = AuthToken.objects.create(
        user=user,
        chatroom=chatroom,
        key_hash=token_hash(raw),
        name=name[:TOKEN_NAME_MAX_LENGTH],
        expires_at=timezone.now() + timedelta(seconds=ttl_seconds),
    )
    return raw, token


def token_check(
    *, raw: str, chatroom_id: uuid.UUID | None = None, fresh: bool = False, entering: uuid.UUID | None = None
) -> AuthToken | None:
    """The valid token with this value (of that chatroom, or a bearer token when none), with its user.

    A read may answer from the cache (see chat/caches.py: revoking the token, or any change to its user, is seen
    at once with a shared cache, within CHAT_ACCESS_CACHE_SECONDS without); `fresh` reads the database. A fresh
    check `entering` a chatroom (a write to it) reads the caller's access rows in the same statement on
    PostgreSQL, as `token.entry`, for `chatroom_enter`: the whole prologue of a write is one round trip.
    """
    if not raw or len(raw) > TOKEN_MAX_LENGTH or not is_storable(raw):
        return None
    key_hash = token_hash(raw)

    def stored() -> AuthToken | None:
        if hot_sql_enabled(AuthToken) and fresh and entering is not None:
            return _stored_entering_sql(key_hash=key_hash, chatroom_id=entering)
        if hot_sql_enabled(AuthToken):
            return _stored_sql(key_hash=key_hash)
        token = AuthToken.objects.valid().select_related("user").filter(key_hash=key_hash).first()
        return token if token is not None and token.user.is_active else None

    if fresh:
        token = stored()
    else:
        token = versioned(
            key=token_key(key_hash), version_key=token_version_key(key_hash), build=stored, copy=_token_copy
        )
    # A cached token may have run out since it was read.
    if token is None or token.expires_at <= timezone.now():
        return None
    if chatroom_id is None and token.chatroom_id is not None:
        return None
    if chatroom_id is not None and token.chatroom_id != chatroom_id:
        return None
    return token


@cache
def _stored_statement() -> str:
    """`AuthToken.objects.valid()` of one hash, with its active user, as one hand-written statement (PostgreSQL,
    prepared; see chat/sql.py). A test compares it with the ORM's query."""
    tokens, users = AuthToken._meta.db_table, User._meta.db_table
    columns = [f"t.{field.column}" for field in _TOKEN_FIELDS] + [f"u.{field.column}" for field in _USER_FIELDS]
    return (
        f"SELECT {', '.join(columns)} FROM {tokens} t JOIN {users} u ON u.id = t.user_id "
        "WHERE t.key_hash = %(key_hash)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s AND u.is_active"
    )


@cache
def _stored_entering_statement() -> str:
    """`_stored_statement` with the caller's access rows to one chatroom (chat.access), one row per channel."""
    tokens, users = AuthToken._meta.db_table, User._meta.db_table
    columns = [f"t.{field.column}" for field in _TOKEN_FIELDS] + [f"u.{field.column}" for field in _USER_FIELDS]
    access_columns, joins = entry_columns_and_joins(user="u.id")
    return (
        f"SELECT {', '.join([*columns, *access_columns])} FROM {tokens} t JOIN {users} u ON u.id = t.user_id "
        f"{joins} WHERE t.key_hash = %(key_hash)s AND t.revoked_at IS NULL AND t.expires_at > %(now)s "
        "AND u.is_active ORDER BY c.created_at, c.id"
    )


def _stored_entering_sql(*, key_hash: str, chatroom_id: uuid.UUID) -> AuthToken | None:
    params = {"key_hash": key_hash, "now": timezone.now(), "chatroom": chatroom_id}
    rows = fetch_rows(AuthToken, _stored_entering_statement(), params)
    if not rows:
        return None
    width = len(_TOKEN_FIELDS) + len(_USER_FIELDS)
    token = _token_of_row(rows[0][:width])
    token.entry = access_of_entry_rows(chatroom_id=chatroom_id, rows=[row[width:] for row in rows])
    return token


_TOKEN_FIELDS = AuthToken._meta.concrete_fields
_USER_FIELDS = User._meta.concrete_fields


def _stored_sql(*, key_hash: str) -> AuthToken | None:
    rows = fetch_rows(AuthToken, _stored_statement(), {"key_hash": key_hash, "now": timezone.now()})
    return _token_of_row(rows[0]) if rows else None


def _token_of_row(row: tuple) -> AuthToken:
    width = len(_TOKEN_FIELDS)
    db = AuthToken.objects.db
    token = AuthToken.from_db(db, [field.attname for field in _TOKEN_FIELDS], row[:width])
    token.user = User.from_db(db, [field.attname for field in _USER_FIELDS], row[width:])
    return token


def _token_copy(token: AuthToken) -> AuthToken:
    """A token and user that a request may change without changing the cached ones."""
    copied = model_copy(token)
    copied.user = model_copy(token.user)
    return copied


def token_revoke(*, raw: str) -> bool:
    """Revokes the token with this value; says whether one was revoked."""
    if not raw or not is_storable(raw):
        return False
    key_hash = token_hash(raw)
    revoked = AuthToken.objects.unrevoked().filter(key_hash=key_hash).update(revoked_at=timezone.now())
    tokens_changed(key_hashes=[key_hash])
    return bool(revoked)


def tokens_revoke_for(*, user: User, chatroom: Chatroom | None = None) -> int:
    """Revokes a user's tokens: the log-ins to one chatroom, or all of them when none is given."""
    tokens = AuthToken.objects.unrevoked().filter(user=user)
    if chatroom is not None:
        tokens = tokens.filter(chatroom=chatroom)
    tokens_changed(key_hashes=list(tokens.values_list("key_hash", flat=True)))
    return tokens.update(revoked_at=timezone.now())


def user_tokens_changed(*, user_id: uuid.UUID) -> None:
    """A change to a user (name, activity, password, deletion) reaches every cached check of their tokens."""
    tokens_changed(key_hashes=list(AuthToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)))


@transaction.atomic
def token_issue_by_operator(
    *, user: User, actor: User | None, name: str = "", ttl_seconds: int | None = None
) -> tuple[str, AuthToken]:
    """An operator issues a bearer token for a user, for at most OPERATOR_TOKEN_MAX_DAYS; the act is recorded."""
    if ttl_seconds is not None and not 0 < ttl_seconds <= OPERATOR_TOKEN_MAX_DAYS * 86400:
        raise Invalid(f"A token lives from 1 second to {OPERATOR_TOKEN_MAX_DAYS} days.", code=Code.INVALID_LIFETIME)
    raw, token = token_issue(user=user, ttl_seconds=ttl_seconds, name=name)
    moderation_log_add(actor=actor, action="issue token", target=f"token {token.pk} of {user}")
    return raw, token


@transaction.atomic
def token_revoke_by_operator(*, token: AuthToken, actor: User | None) -> bool:
    """An operator revokes one stored token; says whether it was still unrevoked, and records the act."""
    revoked = bool(AuthToken.objects.unrevoked().filter(pk=token.pk).update(revoked_at=timezone.now()))
    tokens_changed(key_hashes=[token.key_hash])
    if revoked:
        moderation_log_add(
            actor=actor, action="revoke token", target=f"token {token.pk} of {token.user}", chatroom=token.chatroom
        )
    return revoked


def tokens_purge(*, before: datetime) -> int:
    """Deletes the tokens that expired or were revoked before that time; says how many."""
    deleted, _ = AuthToken.objects.filter(Q(expires_at__lt=before) | Q(revoked_at__lt=before)).delete()
    return deleted
