"""Configuration by environment variables."""

import os
import subprocess
import sys

import pytest

from amends.config.settings import database_from_url


def test_sqlite_urls_give_relative_or_absolute_paths_in_wal_mode() -> None:
    relative = database_from_url("sqlite:///data/amends.sqlite3")
    assert relative["ENGINE"] == "django.db.backends.sqlite3"
    assert relative["NAME"] == "data/amends.sqlite3"
    assert "journal_mode=WAL" in relative["OPTIONS"]["init_command"]
    assert database_from_url("sqlite:////var/lib/amends.sqlite3")["NAME"] == "/var/lib/amends.sqlite3"


def test_postgres_urls_keep_connections_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    db = database_from_url("postgres://amends:s%40cret@db.internal:6543/amends?sslmode=require")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "django.db.backends.postgresql",
        "amends",
        "amends",
        "s@cret",
        "db.internal",
        "6543",
    )
    assert db["CONN_MAX_AGE"] > 0
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_an_unknown_database_scheme_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url("mysql://localhost/amends")


def run_amends(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "REDIS_URL", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-m", "amends.manage", *args], env=clean | env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check(tmp_path: object) -> None:
    result = run_amends(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="k" * 20 + "-production-secret-with-enough-variety-0123456789",
        ALLOWED_HOSTS="amends.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_amends("check", DATABASE_URL="sqlite:////tmp/never-created.sqlite3")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_redis_url_switches_the_task_queue_to_rq() -> None:
    code = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    result = run_amends("shell", "-c", code, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/15")
    assert result.stdout.strip().splitlines()[-1] == "django_tasks_rq.RQBackend", result.stderr
    result = run_amends("shell", "-c", code, DEBUG="1")
    assert result.stdout.strip().splitlines()[-1] == "django_tasks_db.DatabaseBackend", result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_rate_limit_counts_the_submissions_of_every_web_process() -> None:
    """gunicorn runs several processes: a limit kept in one process's memory would let each allow the full count."""
    from django.core.cache import cache
    from django.db import connection

    from amends.intake.channels.webform.spam import rate_limit_hit

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the SQLite test database lives in this process's memory; the PostgreSQL run shows it")
    cache.clear()
    assert rate_limit_hit("ams:203.0.113.9", limit=2)  # the first submission, counted here
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    code = (
        "import django; django.setup()\n"
        "from amends.intake.channels.webform.spam import rate_limit_hit as hit\n"
        "print(hit('ams:203.0.113.9', limit=2), hit('ams:203.0.113.9', limit=2))"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "amends.config.settings", "DEBUG": "1"}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert other.stdout.split() == ["True", "False"], other.stderr[-2000:]  # the second passes, the third not
    cache.clear()
