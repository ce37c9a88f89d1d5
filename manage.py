#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
    # The command line is a developer's tool first: without DJANGO_DEBUG it runs in debug mode, so
    # `manage.py makemigrations` works on a bare checkout. Servers start from chatsite/wsgi.py, where
    # debugging stays off unless asked; in production export DJANGO_DEBUG=0 for manage.py too.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
