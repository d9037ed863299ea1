def test_settings_load_in_test_mode(settings):
    assert settings.ENV == "test"


def test_the_command_says_what_is_missing_when_production_settings_cannot_load(tmp_path):
    """Without JINGZHUN_ENV the settings are production's, which need a secret key: the command says so in two lines
    and exits 2, instead of Django's fallback to its own commands and a traceback."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JINGZHUN_", "DJANGO_"))}
    env["JINGZHUN_DATA_DIR"] = str(tmp_path)

    def jingzhun(*args):
        command = [sys.executable, "-m", "jingzhun.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    done = jingzhun("campaign", "list")
    assert done.returncode == 2
    assert "jingzhun: JINGZHUN_SECRET_KEY must be set" in done.stderr
    assert "JINGZHUN_ENV=development" in done.stderr
    assert "Traceback" not in done.stderr

    env["JINGZHUN_ENV"] = "development"
    done = jingzhun("campaign", "--help")
    assert done.returncode == 0, done.stderr
    assert "reconcile" in done.stdout
