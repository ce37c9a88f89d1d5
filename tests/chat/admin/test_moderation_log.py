"""The moderation log: read-only, filtered by action, chatroom and search."""

from django.urls import reverse

from chat.models import Channel, ModerationLog, Participant
from chat.services.chatrooms import chatroom_create, grant_set
from chat.services.participants import participant_add, participant_ban
from tests.chat.admin.helpers import change_url, listed, log_of, run_action


def test_moderation_log_is_read_only(admin_client, admin_user, member_participant):
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    log = log_of("ban")
    assert admin_client.get(reverse("admin:chat_moderationlog_add")).status_code == 403
    assert admin_client.post(change_url(log), {"reason": "nothing happened"}).status_code == 403
    delete_url = reverse("admin:chat_moderationlog_delete", args=[log.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    log.refresh_from_db()
    assert log.reason == "spam"
    # No action at all is offered: asking for deletion anyway just shows the list again.
    assert run_action(admin_client, ModerationLog, "delete_selected", [log]).status_code == 200
    assert ModerationLog.objects.filter(pk=log.pk).exists()


def test_moderation_log_filters(admin_client, admin_user, make_user, member_participant):
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    other = chatroom_create(creator=make_user("z"), name="Other room")
    stranger = make_user("stranger")
    participant_add(chatroom=other, user=stranger)
    participant_ban(participant=Participant.objects.get(user=stranger), actor=admin_user, reason="elsewhere")
    grant_set(channel=Channel.objects.get(chatroom=other), user=stranger, r=True, w=False, x=False, actor=admin_user)

    assert {log.reason for log in listed(admin_client, ModerationLog, action="ban")} == {"spam", "elsewhere"}
    in_other = listed(admin_client, ModerationLog, chatroom__id__exact=other.pk)
    assert {log.action for log in in_other} == {"ban", "grant:r--"}
    assert [log.reason for log in listed(admin_client, ModerationLog, q="stranger", action="ban")] == ["elsewhere"]
