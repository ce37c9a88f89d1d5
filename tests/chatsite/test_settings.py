"""Settings come from the environment: SQLite by default, PostgreSQL by URL, a silent deploy check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bare_env(**env: str) -> dict[str, str]:
    """This process's environment without any chatsite setting, plus the given ones."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    return {**clean, **env}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Runs Python in a fresh process with only the given chatsite settings in its environment."""
    clean = bare_env(**env, DJANGO_SETTINGS_MODULE="chatsite.settings")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_sqlite_in_the_project_folder_without_database_url():
    result = run_python(
        "from django.conf import settings; import django; django.setup();"
        "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'])",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"


def test_postgres_with_persistent_connections_from_database_url():
    result = run_python(
        "from django.conf import settings; db = settings.DATABASES['default'];"
        "print(db['ENGINE'], db['NAME'], db['HOST'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])",
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://chat@db.internal:5432/chatsite",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["chatsite.postgresql", "chatsite", "db.internal", "60", "True"]


def test_secret_key_is_required_unless_debugging():
    result = run_python("from django.conf import settings; settings.SECRET_KEY", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize("https", ["1"])
def test_deploy_check_is_silent_with_production_settings(https):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=bare_env(
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_HTTPS=https,
            DJANGO_ALLOWED_HOSTS="chat.example.org",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_complains_without_https():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=bare_env(
            DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="chat.example.org"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr


def test_manage_py_works_on_a_bare_checkout_without_any_setting():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=bare_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_files_are_kept_in_the_project_folder_by_default():
    result = run_python(
        "import django; django.setup(); from django.core.files.storage import storages;"
        "s = storages['chat_files']; print(type(s).__name__, s.location)",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    kind, location = result.stdout.split()
    assert (kind, Path(location)) == ("FileSystemStorage", ROOT / "uploads")


def test_files_go_to_an_s3_compatible_bucket_when_one_is_named():
    result = run_python(
        "import django; django.setup(); from django.core.files.storage import storages;"
        "s = storages['chat_files'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.file_overwrite)",
        DJANGO_DEBUG="1",
        CHAT_FILES_S3_BUCKET="chat-files",
        CHAT_FILES_S3_ENDPOINT_URL="http://minio.internal:9000",
        CHAT_FILES_S3_PREFIX="teahaz",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["S3Storage", "chat-files", "http://minio.internal:9000", "teahaz", "False"]
