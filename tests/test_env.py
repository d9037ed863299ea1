"""Typed environment helpers fail loudly on malformed values; settings refuse unsafe production setups."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from jingzhun.env import env_bool, env_choice, env_int, env_list, env_str


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for text, expected in [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv("JINGZHUN_X", text)
        assert env_bool("JINGZHUN_X") is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("JINGZHUN_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="JINGZHUN_X='maybe' is not a boolean"):
        env_bool("JINGZHUN_X")


def test_env_int_names_the_variable_when_malformed(monkeypatch):
    monkeypatch.setenv("JINGZHUN_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="JINGZHUN_N='ten' is not an integer"):
        env_int("JINGZHUN_N", 1)


def test_env_list_splits_and_strips(monkeypatch):
    monkeypatch.setenv("JINGZHUN_HOSTS", " a.example , b.example,, ")
    assert env_list("JINGZHUN_HOSTS") == ["a.example", "b.example"]


def test_env_choice_lists_the_allowed_values(monkeypatch):
    monkeypatch.setenv("JINGZHUN_MODE", "staging")
    with pytest.raises(ImproperlyConfigured, match="must be one of: a, b"):
        env_choice("JINGZHUN_MODE", ("a", "b"), "a")


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-file\n", encoding="utf-8")
    monkeypatch.setenv("JINGZHUN_SECRET_KEY", "from-env")
    monkeypatch.setenv("JINGZHUN_SECRET_KEY_FILE", str(secret))
    assert env_str("JINGZHUN_SECRET_KEY") == "s3cret-from-file"


def test_an_unreadable_secret_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("JINGZHUN_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("JINGZHUN_SECRET_KEY")


def test_required_variable_missing_is_an_error(monkeypatch):
    monkeypatch.delenv("JINGZHUN_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="JINGZHUN_MISSING must be set"):
        env_str("JINGZHUN_MISSING", required=True)


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    code = "import jingzhun.settings as s; print(s.DATABASES['default']['ENGINE'], s.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _load_settings({"JINGZHUN_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "JINGZHUN_SECRET_KEY must be set" in result.stderr


def test_production_with_a_secret_key_defaults_to_sqlite_and_no_debug(tmp_path):
    result = _load_settings({"JINGZHUN_DATA_DIR": str(tmp_path), "JINGZHUN_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False"]


def test_an_unsupported_database_url_is_refused(tmp_path):
    result = _load_settings(
        {"JINGZHUN_ENV": "test", "JINGZHUN_DATA_DIR": str(tmp_path), "JINGZHUN_DATABASE_URL": "mysql://u@h/db"}
    )
    assert result.returncode != 0
    assert "supports sqlite:/// and postgresql://" in result.stderr


def test_postgresql_urls_are_accepted(tmp_path):
    result = _load_settings({"JINGZHUN_ENV": "test", "JINGZHUN_DATABASE_URL": "postgresql://u:p@db.example:5433/jz"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "django.db.backends.postgresql"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    env = {**clean, "JINGZHUN_ENV": "test", "JINGZHUN_DATA_DIR": str(tmp_path), "JINGZHUN_SQLITE_TIMEOUT": "7",
           "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "7000"]
    assert (tmp_path / "jingzhun.sqlite3").exists()


def test_evidence_goes_to_object_storage_when_a_bucket_is_configured(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    code = "import jingzhun.settings as s; d = s.STORAGES['default']; print(d['BACKEND'], d.get('OPTIONS', {}))"
    env = {**clean, "JINGZHUN_ENV": "test", "JINGZHUN_DATA_DIR": str(tmp_path)}
    local = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert local.stdout.startswith("django.core.files.storage.FileSystemStorage"), local.stderr
    env |= {"JINGZHUN_S3_BUCKET": "evidence", "JINGZHUN_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}
    s3 = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert s3.stdout.startswith("storages.backends.s3.S3Storage"), s3.stderr
    assert "'bucket_name': 'evidence'" in s3.stdout and "'default_acl': 'private'" in s3.stdout
