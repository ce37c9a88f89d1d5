"""Reads for drawing a user's avatar: the uploaded image's name, else what the generated one needs."""

import uuid

from chat.exceptions import Code, NotFound
from chat.models import User

AVATAR_FIELDS = ("id", "username", "display_name", "color_r", "color_g", "color_b", "avatar")


def user_avatar_row(*, user_id: uuid.UUID) -> dict:
    """The avatar fields of the user with this id (active or not: old messages still show them); else 404."""
    row = User.objects.filter(pk=user_id).values(*AVATAR_FIELDS).first()
    if row is None:
        raise NotFound("No user has this id.", code=Code.USER_NOT_FOUND)
    return row
