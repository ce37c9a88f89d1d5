"""The operator's commands: ensure_operator (the way in after `make run`)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.models import AuthToken, User
from chat.services.tokens import token_issue, token_revoke


@pytest.mark.django_db
def test_ensure_operator_creates_admin_once_and_prints_its_password(capsys):
    call_command("ensure_operator")
    out = capsys.readouterr().out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    password = out.rsplit("password: ", 1)[1].strip()
    assert admin.check_password(password)

    call_command("ensure_operator")
    again = capsys.readouterr().out
    assert "password: " not in again and "changepassword admin" in again
    assert User.objects.filter(is_superuser=True).count() == 1


@pytest.mark.django_db
def test_ensure_operator_takes_credentials_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root-operator")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long operator password")
    call_command("ensure_operator")
    operator = User.objects.get(username="root-operator")
    assert operator.is_superuser and operator.check_password("a long operator password")
    assert not User.objects.filter(username="admin").exists()
    assert "root-operator" in capsys.readouterr().out


@pytest.mark.django_db
def test_clear_expired_tokens_deletes_only_tokens_dead_for_long_enough(make_user, capsys):
    user = make_user("keeper")
    _live_raw, live = token_issue(user=user)
    _old_raw, old = token_issue(user=user)
    AuthToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=8))
    _recent_raw, recent = token_issue(user=user)
    AuthToken.objects.filter(pk=recent.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked_raw, revoked = token_issue(user=user)
    token_revoke(raw=revoked_raw)
    AuthToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now() - timedelta(days=30))

    call_command("clear_expired_tokens")

    assert set(AuthToken.objects.values_list("pk", flat=True)) == {live.pk, recent.pk}
    assert "Deleted 2 " in capsys.readouterr().out
