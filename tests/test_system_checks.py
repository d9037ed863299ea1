"""Configuration mistakes surface as system checks with stable ids."""

from jingzhun.core import checks


def test_empty_allowed_hosts_in_production_is_error_e001(settings):
    settings.PRODUCTION = True
    settings.ALLOWED_HOSTS = []
    assert [e.id for e in checks.check_allowed_hosts(None)] == ["jingzhun.E001"]


def test_allowed_hosts_set_passes(settings):
    settings.PRODUCTION = True
    settings.ALLOWED_HOSTS = ["jz.example"]
    assert checks.check_allowed_hosts(None) == []


def test_unwritable_data_dir_is_error_e002(settings, tmp_path, monkeypatch):
    # Permission bits do not stop root (CI runs as root), so the access check itself is made to say no.
    settings.DATA_DIR = tmp_path / "var"
    monkeypatch.setattr(checks.os, "access", lambda path, mode: False)
    assert [e.id for e in checks.check_data_dir(None)] == ["jingzhun.E002"]


def test_writable_data_dir_passes(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert checks.check_data_dir(None) == []


def test_missing_front_end_packages_is_warning_w001(settings):
    settings.STATICFILES_DIRS = []
    assert [e.id for e in checks.check_front_end_packages(None)] == ["jingzhun.W001"]
