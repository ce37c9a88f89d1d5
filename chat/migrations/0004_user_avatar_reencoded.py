"""Avatars are stored re-encoded: the field says so, and the files uploaded before are re-encoded now."""

import logging
import uuid

from django.apps.registry import Apps
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

import chat.avatars
import chat.validators

logger = logging.getLogger(__name__)


def reencode_stored_avatars(apps: Apps, schema_editor: BaseDatabaseSchemaEditor | None) -> None:
    """Each stored avatar is replaced by its re-encoded copy; one that is no image is dropped (drawn instead)."""
    User = apps.get_model("chat", "User")
    storage = User._meta.get_field("avatar").storage
    for user_id, name in User.objects.exclude(avatar="").values_list("pk", "avatar").iterator():
        try:
            with storage.open(name, "rb") as handle:
                data, extension = chat.avatars.avatar_reencode(handle)
        except (OSError, SuspiciousFileOperation, ValidationError) as error:
            logger.warning("The avatar %r of user %s is not kept: %s", name, user_id, error)
            User.objects.filter(pk=user_id).update(avatar="")
            continue
        new_name = storage.save(f"avatars/{uuid.uuid4().hex}.{extension}", ContentFile(data))
        User.objects.filter(pk=user_id).update(avatar=new_name)
        # The original still holds what re-encoding removes (EXIF positions, trailing bytes).
        storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_message_moderation_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="avatar",
            field=chat.avatars.AvatarField(
                blank=True, upload_to="avatars/", validators=[chat.validators.validate_avatar]
            ),
        ),
        migrations.RunPython(reencode_stored_avatars, migrations.RunPython.noop),
    ]
