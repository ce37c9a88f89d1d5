"""Reads about users: look-ups by id and the searchable, paged lists of whom to invite or mention."""

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from chat.exceptions import Code, Invalid
from chat.models import Participant, User, shown_name_sql

USER_FIELDS = ("id", "username", "display_name")


def user_get(*, user_id: uuid.UUID) -> User:
    """The user with this id (active or not); an unknown id is invalid input."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Invalid("No user has this id.", code=Code.UNKNOWN_USER)
    return user


def users_get_active(*, user_ids: list[uuid.UUID]) -> list[User]:
    """The active users with these ids, in the given order; any unknown or inactive one is invalid input."""
    wanted = list(dict.fromkeys(user_ids))
    found = {user.pk: user for user in User.objects.filter(pk__in=wanted, is_active=True)}
    missing = [str(user_id) for user_id in wanted if user_id not in found]
    if missing:
        raise Invalid(f"No active user has the id {missing[0]}.", code=Code.UNKNOWN_USER)
    return [found[user_id] for user_id in wanted]


def _search_page(*, users: QuerySet, search_phrase: str, limit: int, offset: int) -> list[dict]:
    """Users whose display name or username contains the phrase (any case), by name, one page of rows."""
    if search_phrase:
        users = users.filter(Q(display_name__icontains=search_phrase) | Q(username__icontains=search_phrase))
    shown_name = shown_name_sql()
    return list(
        users.order_by(Lower(shown_name), Lower("username"), "id").values(*USER_FIELDS)[offset : offset + limit]
    )


def _offered() -> QuerySet:
    """The users chat users are offered (to invite or mention): active ones, operators only once they have joined."""
    joined = Participant.objects.active().filter(user_id=OuterRef("pk"))
    return User.objects.filter(is_active=True).filter(Q(is_staff=False, is_superuser=False) | Exists(joined))


def _participant_ids(*, chatroom_id: uuid.UUID, state: str | None = Participant.State.ACTIVE) -> QuerySet:
    participants = Participant.objects.filter(chatroom_id=chatroom_id)
    if state is not None:
        participants = participants.filter(state=state)
    return participants.values("user_id")


def users_to_invite(*, chatroom_id: uuid.UUID, search_phrase: str, limit: int, offset: int) -> list[dict]:
    """Offered users who are not in the chatroom (neither participants nor banned), matching, by name."""
    users = _offered().exclude(pk__in=_participant_ids(chatroom_id=chatroom_id, state=None))
    return _search_page(users=users, search_phrase=search_phrase, limit=limit, offset=offset)


def users_in_chatroom(*, chatroom_id: uuid.UUID, search_phrase: str, limit: int, offset: int) -> list[dict]:
    """The chatroom's active participants (whoever asks included) whose accounts are active, matching, by name."""
    users = User.objects.filter(is_active=True, pk__in=_participant_ids(chatroom_id=chatroom_id))
    return _search_page(users=users, search_phrase=search_phrase, limit=limit, offset=offset)


def users_other_than(*, user_id: uuid.UUID, search_phrase: str, limit: int, offset: int) -> list[dict]:
    """Offered users other than this one (whom to invite into a new chatroom), matching, by name."""
    users = _offered().exclude(pk=user_id)
    return _search_page(users=users, search_phrase=search_phrase, limit=limit, offset=offset)
