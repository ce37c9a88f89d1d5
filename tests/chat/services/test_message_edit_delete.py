"""Editing (the author, versions kept) and deleting (the author, or a chatroom admin, logged) messages."""

import uuid

import pytest

from chat.exceptions import Conflict, Forbidden, Invalid, NotFound
from chat.models import Message, MessageVersion, ModerationLog, Participant
from chat.selectors.memberships import unread_count
from chat.selectors.messages import message_page
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.files import file_post
from chat.services.messages import message_delete, message_edit, message_hide, message_post
from chat.text import ENCRYPTED_PLACEHOLDER_HTML
from tests.access import access_of

pytestmark = pytest.mark.django_db


def participant(chatroom, user) -> Participant:
    return Participant.objects.get(chatroom=chatroom, user=user)


def default_id(chatroom) -> uuid.UUID:
    return chatroom.channels.get(is_default=True).pk


def post(chatroom, user, body="first", **kwargs) -> Message:
    access = access_of(participant(chatroom, user))
    message, _ = message_post(access=access, channel_id=default_id(chatroom), body=body, **kwargs)
    return message


def edit(chatroom, user, message, body, fmt=Message.Format.PLAIN) -> Message:
    return message_edit(access=access_of(participant(chatroom, user)), message_id=message.pk, body=body, fmt=fmt)


def delete(chatroom, user, message) -> None:
    message_delete(access=access_of(participant(chatroom, user)), message_id=message.pk)


def test_edit_replaces_the_text_and_keeps_every_earlier_version(chatroom, member):
    message = post(chatroom, member, "first")
    edit(chatroom, member, message, "second")
    edit(chatroom, member, message, "<p>third <b>bold</b><script>x</script></p>", fmt=Message.Format.HTML)
    stored = Message.objects.get(pk=message.pk)
    assert (stored.body, stored.format) == ("<p>third <b>bold</b><script>x</script></p>", "html")
    assert stored.html == "<p>third <b>bold</b></p>"
    assert stored.text == "third bold"
    assert stored.edited_at is not None
    versions = list(MessageVersion.objects.filter(message=message).values_list("body", "html", "text", "edited_by"))
    assert versions == [
        ("first", "<p>first</p>", "first", member.pk),
        ("second", "<p>second</p>", "second", member.pk),
    ]
    assert MessageVersion.objects.filter(message=message).latest("edited_at").edited_at == stored.edited_at


def test_an_edit_keeps_opaque_data_opaque(chatroom, member):
    message = post(chatroom, member, "ciphertext-1", key_id="k1")
    edit(chatroom, member, message, "ciphertext-2")
    stored = Message.objects.get(pk=message.pk)
    assert (stored.text, stored.html, stored.key_id) == ("ciphertext-2", ENCRYPTED_PLACEHOLDER_HTML, "k1")


def test_only_the_author_edits(chatroom, owner, member, admin_member):
    message = post(chatroom, member, "mine")
    for other in (owner, admin_member):
        with pytest.raises(Forbidden) as error:
            edit(chatroom, other, message, "theirs")
        assert error.value.code == "not_message_author"
    system = Message.objects.get(chatroom=chatroom, kind=Message.Kind.SYSTEM)
    with pytest.raises(Forbidden):
        edit(chatroom, owner, system, "rewritten welcome")
    assert Message.objects.get(pk=message.pk).text == "mine"
    assert not MessageVersion.objects.exists()


def test_an_edit_is_checked_like_a_post(chatroom, member):
    message = post(chatroom, member, "fine")
    with pytest.raises(Invalid) as error:
        edit(chatroom, member, message, "")
    assert error.value.code == "empty_message"
    with pytest.raises(Invalid) as error:
        edit(chatroom, member, message, "x", fmt="markdown")
    assert error.value.code == "invalid_format"
    assert not MessageVersion.objects.exists()


def test_an_author_who_lost_write_cannot_edit_and_one_who_lost_read_finds_nothing(chatroom, owner, member):
    channel = channel_create(chatroom=chatroom, name="news")
    access = access_of(participant(chatroom, member))
    message, _ = message_post(access=access, channel_id=channel.pk, body="news")
    grant_set(channel=channel, user=member, r=True, w=False, x=False, actor=owner)
    with pytest.raises(Forbidden) as error:
        edit(chatroom, member, message, "changed")
    assert error.value.code == "no_w_permission"
    grant_set(channel=channel, user=member, r=False, w=False, x=False, actor=owner)
    with pytest.raises(NotFound) as error:
        edit(chatroom, member, message, "changed")
    assert error.value.code == "message_not_found"
    with pytest.raises(NotFound):
        delete(chatroom, member, message)
    assert Message.objects.get(pk=message.pk).deleted_at is None


def test_a_message_of_another_chatroom_is_not_found(chatroom, member, make_user):
    stranger = make_user("stranger")
    elsewhere = chatroom_create(creator=stranger, name="Elsewhere")
    message = post(elsewhere, stranger, "over there")
    with pytest.raises(NotFound):
        edit(chatroom, member, message, "hijacked")
    with pytest.raises(NotFound):
        message_delete(access=access_of(participant(chatroom, member)), message_id=uuid.uuid4())


def test_the_author_deletes_their_own_without_a_log_entry(chatroom, member):
    message = post(chatroom, member, "oops")
    delete(chatroom, member, message)
    stored = Message.objects.get(pk=message.pk)
    assert stored.deleted_at is not None
    assert stored.deleted_by_id == member.pk
    assert not ModerationLog.objects.filter(action="delete").exists()


def test_a_member_cannot_delete_anothers_message(chatroom, owner, member):
    message = post(chatroom, owner, "the owner's")
    with pytest.raises(Forbidden) as error:
        delete(chatroom, member, message)
    assert error.value.code == "not_message_author"
    assert Message.objects.get(pk=message.pk).deleted_at is None


@pytest.mark.parametrize("moderator", ["owner", "admin_member"])
def test_a_chatroom_admin_deletes_any_and_the_log_records_it(request, chatroom, member, moderator):
    actor = request.getfixturevalue(moderator)
    message = post(chatroom, member, "spam")
    delete(chatroom, actor, message)
    stored = Message.objects.get(pk=message.pk)
    assert (stored.deleted_by_id, stored.deleted_at is not None) == (actor.pk, True)
    entry = ModerationLog.objects.get(action="delete")
    assert (entry.actor_id, entry.chatroom_id, entry.target) == (actor.pk, chatroom.pk, f"message {message.pk}")


def test_a_deleted_message_is_gone_from_every_read(chatroom, owner, member):
    kept = post(chatroom, member, "kept")
    gone = post(chatroom, member, "gone")
    reader = access_of(participant(chatroom, owner))
    unread_before = unread_count(access=reader)
    delete(chatroom, member, gone)
    rows = message_page(access=reader, limit=50, keep="newest")
    assert kept.pk in {row["id"] for row in rows}
    assert gone.pk not in {row["id"] for row in rows}
    assert unread_count(access=reader) == unread_before - 1
    with pytest.raises(Invalid) as error:
        message_post(access=reader, channel_id=default_id(chatroom), body="re", reply_to_id=gone.pk)
    assert error.value.code == "invalid_reply"
    # Editing or deleting it again finds nothing; neither does deleting a hidden one.
    with pytest.raises(NotFound):
        edit(chatroom, member, gone, "back")
    with pytest.raises(NotFound):
        delete(chatroom, member, gone)
    message_hide(message=kept, actor=owner, reason="rude")
    with pytest.raises(NotFound):
        delete(chatroom, owner, kept)


def test_a_deleted_message_is_still_a_page_anchor(chatroom, owner, member):
    before = post(chatroom, member, "before")
    gone = post(chatroom, member, "gone")
    after = post(chatroom, member, "after")
    delete(chatroom, member, gone)
    rows = message_page(access=access_of(participant(chatroom, owner)), limit=10, keep="oldest", after=gone.pk)
    assert [row["id"] for row in rows] == [after.pk]
    assert before.pk not in {row["id"] for row in rows}


def test_a_retried_post_after_an_edit_answers_the_stored_message(chatroom, member):
    message_id = uuid.uuid4()
    message = post(chatroom, member, "original", message_id=message_id)
    edit(chatroom, member, message, "edited")
    again = post(chatroom, member, "original", message_id=message_id)
    assert (again.pk, again.text) == (message_id, "edited")
    with pytest.raises(Conflict):
        post(chatroom, member, "something else", message_id=message_id)


def test_a_retried_post_of_a_deleted_message_conflicts(chatroom, member):
    message_id = uuid.uuid4()
    message = post(chatroom, member, "original", message_id=message_id)
    delete(chatroom, member, message)
    with pytest.raises(Conflict) as error:
        post(chatroom, member, "original", message_id=message_id)
    assert error.value.code == "message_deleted"


def test_a_file_message_is_not_edited_and_a_retry_after_its_deletion_conflicts(chatroom, member):
    access = access_of(participant(chatroom, member))
    message_id = uuid.uuid4()
    message, _ = file_post(access=access, channel_id=default_id(chatroom), content=b"data", message_id=message_id)
    with pytest.raises(Invalid) as error:
        edit(chatroom, member, message, "words")
    assert error.value.code == "message_not_editable"
    delete(chatroom, member, message)
    with pytest.raises(Conflict) as error:
        file_post(access=access, channel_id=default_id(chatroom), content=b"data", message_id=message_id)
    assert error.value.code == "message_deleted"


def test_an_edit_keeps_the_mentions_its_text_still_names(chatroom, owner, member, make_user):
    dora = make_user("dora", display_name="Dora Day")
    Participant.objects.create(chatroom=chatroom, user=dora)
    message = post(chatroom, owner, "@member and @dora", mention_ids=[member.pk, dora.pk])

    def mentioned() -> set:
        return set(Message.objects.get(pk=message.pk).mentions.values_list("id", flat=True))

    edit(chatroom, owner, message, "only @MEMBER now")
    assert mentioned() == {member.pk}
    edit(chatroom, owner, message, f'<p><a class="wysiwyg-mention" data-value="{member.pk}">Mem</a></p>', fmt="html")
    assert mentioned() == {member.pk}
    edit(chatroom, owner, message, "nobody")
    assert mentioned() == set()
    # By display name, too.
    message_edit(
        access=access_of(participant(chatroom, owner)),
        message_id=message.pk,
        body="x",
        fmt="plain",
        mention_ids=[dora.pk],
    )
    edit(chatroom, owner, message, "hi @dora day!")
    assert mentioned() == {dora.pk}


def test_an_edit_that_names_its_mentions_gets_exactly_those(chatroom, owner, member, outsider):
    message = post(chatroom, owner, "@member hi", mention_ids=[member.pk])
    access = access_of(participant(chatroom, owner))
    message_edit(access=access, message_id=message.pk, body="hi @owner", fmt="plain", mention_ids=[owner.pk])
    assert list(Message.objects.get(pk=message.pk).mentions.all()) == [owner]
    with pytest.raises(Invalid) as error:
        message_edit(access=access, message_id=message.pk, body="hi", fmt="plain", mention_ids=[outsider.pk])
    assert error.value.code == "invalid_mention"
    stored = Message.objects.get(pk=message.pk)
    assert (stored.text, list(stored.mentions.all())) == ("hi @owner", [owner])


def test_an_opaque_edit_keeps_its_mentions(chatroom, owner, member):
    message = post(chatroom, owner, "c1", key_id="k1", mention_ids=[member.pk])
    edit(chatroom, owner, message, "c2")
    assert list(Message.objects.get(pk=message.pk).mentions.all()) == [member]


def test_a_retried_post_after_an_edit_that_changed_its_mentions_answers_the_stored_message(chatroom, owner, member):
    message_id = uuid.uuid4()
    message = post(chatroom, owner, "@member look", message_id=message_id, mention_ids=[member.pk])
    edit(chatroom, owner, message, "look, everyone")
    again = post(chatroom, owner, "@member look", message_id=message_id, mention_ids=[member.pk])
    assert (again.pk, again.text, list(again.mentions.all())) == (message_id, "look, everyone", [])
    with pytest.raises(Conflict):
        post(chatroom, owner, "@member look again", message_id=message_id, mention_ids=[member.pk])
