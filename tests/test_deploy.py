"""Production settings: `check --deploy` is clean, a missing SECRET_KEY is refused, and
database connections persist."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "BOOMERANG_BASE_URL": "https://rma.example.com",
    "ALLOWED_HOSTS": "rma.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "DATABASE_URL": "sqlite:////tmp/boomerang-deploy-check.sqlite3",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    env = {**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(50)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_is_refused_when_debug_is_off():
    result = _manage("check", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _database(env, expression: str):
    """``expression`` of ``settings.DATABASES['default']`` (as ``d``), read with ``env``."""
    return _setting(env, f"(lambda d: {expression})(s.DATABASES['default'])")


def _database_setting(env) -> dict:
    return _database(env, "{'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS']}")


def test_database_connections_persist_with_health_checks_by_default():
    assert _database_setting({"DATABASE_CONN_MAX_AGE": ""}) == {
        "age": 600,
        "checks": True,
    }
    assert _database_setting({"DATABASE_CONN_MAX_AGE": "0"})["age"] == 0
    assert _database_setting({"DATABASE_CONN_MAX_AGE": "none"})["age"] is None


def _database_options(env) -> dict:
    return _database(env, "d.get('OPTIONS', {})")


def test_postgresql_prepares_repeated_statements_unless_told_not_to():
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/boomerang"}
    options = _database_options({**url, "DATABASE_PREPARED_STATEMENTS": ""})
    assert options == {"server_side_binding": True, "prepare_threshold": 1}
    # Behind PgBouncer in transaction mode: Django's defaults (client-side binding, none).
    assert _database_options({**url, "DATABASE_PREPARED_STATEMENTS": "false"}) == {}
    # SQLite has neither.
    sqlite = _database_options({"DATABASE_URL": "sqlite:///x.db"})
    assert "server_side_binding" not in sqlite and "prepare_threshold" not in sqlite


def test_a_bad_connection_age_is_refused_with_its_name():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "x" * 50, "DATABASE_CONN_MAX_AGE": "ten"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE must be a whole number" in result.stderr


def _setting(env, expression: str):
    """``expression`` over ``settings`` (as ``s``) and the configured cache and storage."""
    script = (
        "import json; from django.conf import settings as s;"
        "from django.core.cache import cache; from django.core.files.storage import storages;"
        f"print(json.dumps({expression}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_cache_url_shares_one_redis_cache_between_processes():
    env = {"CACHE_URL": "redis://127.0.0.1:6379/9"}
    key = f"deploy-test-{secrets.token_hex(4)}"
    assert _setting(env, "s.CACHES['default']['BACKEND']").endswith("RedisCache")
    # What one process writes, another reads: the cache is the server's, not the process's.
    assert _setting(env, f"cache.set({key!r}, 'shared', 30) or 'written'") == "written"
    assert _setting(env, f"cache.get({key!r})") == "shared"
    assert _setting({"CACHE_URL": ""}, "s.CACHES['default']['BACKEND']").endswith("LocMemCache")


def test_a_bad_cache_url_is_refused_with_its_name():
    result = _manage("check", env={"DEBUG": "true", "CACHE_URL": "memcached://x"})
    assert result.returncode != 0
    assert "CACHE_URL must be a redis://" in result.stderr


def test_media_can_live_in_another_storage_with_its_options():
    env = {
        "MEDIA_STORAGE": "django.core.files.storage.InMemoryStorage",
        "MEDIA_STORAGE_OPTIONS": '{"base_url": "/files/"}',
    }
    assert _setting(env, "type(storages['default']).__name__") == "InMemoryStorage"
    assert _setting(env, "storages['default'].base_url") == "/files/"
    default = _setting({"MEDIA_STORAGE": ""}, "type(storages['default']).__name__")
    assert default == "FileSystemStorage"
    result = _manage("check", env={"DEBUG": "true", "MEDIA_STORAGE_OPTIONS": "[1]"})
    assert result.returncode != 0 and "MEDIA_STORAGE_OPTIONS must be a JSON object" in result.stderr


def test_smtp_server_comes_from_the_environment():
    env = {
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": "587",
        "EMAIL_HOST_USER": "rma",
        "EMAIL_HOST_PASSWORD": "secret",
        "EMAIL_USE_TLS": "true",
    }
    read = _setting(
        env,
        "[s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS,"
        " s.EMAIL_USE_SSL]",
    )
    assert read == ["smtp.example.com", 587, "rma", "secret", True, False]
    assert _setting({}, "[s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS]") == ["localhost", 25, False]


def test_tls_and_ssl_together_are_refused():
    result = _manage(
        "check", env={"SECRET_KEY": "x", "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}
    )
    assert result.returncode != 0
    assert "EMAIL_USE_TLS or EMAIL_USE_SSL" in result.stderr
