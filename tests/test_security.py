"""Hardening: login throttling, argon2 passwords, the content security policy, a clean `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

pytestmark = pytest.mark.django_db

WRONG = {"username": "county_officer", "password": "not the password"}
RIGHT = {"username": "county_officer", "password": "correct horse battery staple"}


def test_five_failed_logins_lock_the_user_name_from_that_address(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", WRONG).status_code == 200  # the form again, with its error
    locked = client.post("/login/", WRONG)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode() or "Too many failed logins" in locked.content.decode()
    # Even the right password is refused while locked.
    assert client.post("/login/", RIGHT).status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", WRONG)
    assert client.post("/login/", RIGHT).status_code == 302
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", WRONG).status_code == 200


def test_another_user_name_is_not_locked_by_someone_elses_failures(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", WRONG)
    other = {"username": "town_officer", "password": "correct horse battery staple"}
    assert client.post("/login/", other).status_code == 302


def test_passwords_are_hashed_with_argon2_outside_tests():
    code = (
        "import django; django.setup(); "
        "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    env.update({"JINGZHUN_ENV": "development", "DJANGO_SETTINGS_MODULE": "jingzhun.settings"})
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "argon2", result.stderr
    hasher = Argon2PasswordHasher()  # the library is installed and works
    assert hasher.verify("秘密 password", hasher.encode("秘密 password", hasher.salt()))


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, personas, registry):
    client.force_login(personas.county_officer)
    response = client.get("/registry/region/511823000000/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()  # scripts come from static files only


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    env.update({
        "JINGZHUN_SECRET_KEY": secrets.token_urlsafe(50), "JINGZHUN_ALLOWED_HOSTS": "jz.example.gov.cn",
        "JINGZHUN_DATA_DIR": str(tmp_path),
    })  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "jingzhun", "check", "--system", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
