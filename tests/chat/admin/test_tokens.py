"""Tokens: issued once with only the hash stored, never edited, revoked in bulk with a log row."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from chat.models import AuthToken, ModerationLog
from chat.services.tokens import token_hash, token_issue
from tests.chat.admin.helpers import change_url, changelist_url, listed, log_of, run_action


def test_issuing_a_token_shows_it_once_and_stores_only_its_hash(admin_client, admin_user, member):
    response = admin_client.post(
        reverse("admin:chat_authtoken_add"), {"user": member.pk, "name": "deploy script", "days": "7"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(rb'id="raw-token" readonly size="60" value="([^"]+)"', response.content).group(1).decode()
    token = AuthToken.objects.get(user=member)
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    assert token.name == "deploy script" and token.chatroom is None
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert log_of("issue token").actor == admin_user

    # Shown once: neither the list nor the token's page shows the raw value or the hash.
    for page in (admin_client.get(changelist_url(AuthToken)), admin_client.get(change_url(token))):
        assert raw.encode() not in page.content and token.key_hash.encode() not in page.content
    # The token works as a bearer token.
    from chat.services.tokens import token_check

    assert token_check(raw=raw).user == member


def test_tokens_cannot_be_edited(admin_client, member):
    _raw, token = token_issue(user=member)
    response = admin_client.post(change_url(token), {"name": "x", "expires_at": "2099-01-01 00:00:00"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.name == "" and token.expires_at.year != 2099


def test_bulk_token_revocation_logs_the_operator(admin_client, admin_user, member, owner):
    tokens = [token_issue(user=member)[1], token_issue(user=owner)[1]]
    assert run_action(admin_client, AuthToken, "revoke_tokens", tokens).status_code == 302
    assert AuthToken.objects.filter(revoked_at__isnull=True).count() == 0
    logs = ModerationLog.objects.filter(action="revoke token")
    assert logs.count() == 2 and {log.actor for log in logs} == {admin_user}
    assert listed(admin_client, AuthToken, state="revoked") == sorted(tokens, key=lambda t: t.created_at, reverse=True)
    assert listed(admin_client, AuthToken, state="valid") == []
