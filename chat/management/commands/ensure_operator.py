"""Makes sure an operator can log in to the admin: from the environment, or a first-run account."""

import os
import secrets

from django.core.management.base import BaseCommand

from chat.models import User


class Command(BaseCommand):
    help = (
        "Creates or updates the superuser named by DJANGO_SUPERUSER_USERNAME/DJANGO_SUPERUSER_PASSWORD; "
        "without them, creates an 'admin' superuser with a random password on first run and prints it."
    )

    def handle(self, *args, **options) -> None:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if username and password:
            user = User.objects.named(username).first() or User(username=username)
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
            self.stdout.write(f"Operator: log in at /admin/ as '{user.username}' with DJANGO_SUPERUSER_PASSWORD.")
            return
        operator = User.objects.filter(is_superuser=True, is_active=True).order_by("date_joined").first()
        if operator is not None:
            self.stdout.write(
                f"Operator: log in at /admin/ as '{operator.username}' "
                f"(forgot the password? `manage.py changepassword {operator.username}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username="admin", password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Created the operator account. Log in at /admin/ as 'admin' with password: {password}")
        )
