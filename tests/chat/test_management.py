"""The operator's commands: ensure_operator (the way in after `make run`)."""

import pytest
from django.core.management import call_command

from chat.models import User


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
