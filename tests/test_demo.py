"""The demo end to end, as `make demo` runs it: build the database, then serve it with gunicorn."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow

JINGZHUN = [sys.executable, "-m", "jingzhun"]


def _env(data_dir) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINGZHUN_")}
    return {**clean, "JINGZHUN_DATA_DIR": str(data_dir)}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [*JINGZHUN, "demo", "--no-serve", "--households", "300", "--seed", "7"],
        env=_env(data_dir), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return data_dir, result.stdout


def test_the_demo_prints_a_login_for_each_level(demo_dir):
    _, output = demo_dir
    for username in ("admin", "city", "county", "town", "village", "checker", "viewer"):
        assert username in output
    assert "jingzhun-demo" in output
    assert "http://127.0.0.1:8000/" in output


def test_the_demo_database_holds_the_synthetic_county_and_users(demo_dir):
    data_dir, _ = demo_dir
    db = sqlite3.connect(data_dir / "demo.sqlite3")
    assert db.execute("SELECT count(*) FROM registry_household").fetchone()[0] == 300
    assert db.execute("SELECT count(*) FROM registry_person").fetchone()[0] > 300
    users = dict(db.execute("SELECT username, region_id FROM accounts_user").fetchall())
    assert users["admin"] is None
    assert users["village"].startswith(users["town"][:9]) and users["town"].startswith(users["county"][:6])
    levels = dict(db.execute("SELECT code, level FROM registry_region").fetchall())
    assert [levels[users[name]] for name in ("county", "town", "village")] == ["county", "town", "village"]


def test_the_demo_ledger_was_worked_through_the_ledgers_own_functions(demo_dir):
    data_dir, _ = demo_dir
    db = sqlite3.connect(data_dir / "demo.sqlite3")
    statuses = dict(db.execute("SELECT status, count(*) FROM ledger_problem GROUP BY status").fetchall())
    rectified = db.execute("SELECT count(*) FROM ledger_evidence").fetchone()[0]  # one photo per rectification
    assert 1 <= rectified <= 6 and statuses["open"] > 0
    closed = min(4, rectified)
    assert statuses.get("closed", 0) == closed and statuses.get("rectified", 0) == rectified - closed
    # Every change is in the history and in the audit log.
    assert db.execute("SELECT count(*) FROM ledger_event WHERE action = 'closed'").fetchone()[0] == closed
    assert db.execute("SELECT count(*) FROM audit_auditentry WHERE action = 'problem_closed'").fetchone()[0] == closed
    county_level = "SELECT code FROM registry_region WHERE level = 'county'"
    unassigned = db.execute("SELECT count(*) FROM ledger_problem WHERE assignee_region_id IS NULL").fetchone()[0]
    on_county = db.execute(f"SELECT count(*) FROM ledger_problem WHERE region_code IN ({county_level})").fetchone()[0]  # noqa: S608
    assert unassigned == on_county  # only problems placed on the county itself stay with the county


def test_the_demo_refuses_to_replace_a_database_it_does_not_own(tmp_path):
    env = {**_env(tmp_path), "JINGZHUN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run([*JINGZHUN, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "builds its own SQLite database" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


def test_serve_runs_gunicorn_with_static_files_and_login(demo_dir):
    data_dir, _ = demo_dir
    port = _free_port()
    env = {**_env(data_dir), "JINGZHUN_ENV": "demo"}
    server = subprocess.Popen(
        [*JINGZHUN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # up to 30 s: CI machines can be busy
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        assert status == 200 and b'"ok"' in body
        status, body = _get(f"{base}/login/")
        assert status == 200 and "登录".encode() in body
        status, body = _get(f"{base}/static/vendor/htmx.org/htmx.min.js")
        assert status == 200 and b"htmx" in body
        _get(f"{base}/login/?q=11010519491231002X")  # a full ID in a query string
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    # The access log names paths, never query strings: no ID number reaches the log.
    assert '"GET /login/"' in output
    assert "11010519491231002X" not in output


def test_the_demo_campaigns_were_drawn_and_verified_through_the_campaigns_own_functions(demo_dir):
    data_dir, _ = demo_dir
    db = sqlite3.connect(data_dir / "demo.sqlite3")
    campaigns = {
        level: (pk, status, seed, frame_size, frame_hash, parent)
        for pk, level, status, seed, frame_size, frame_hash, parent in db.execute(
            "SELECT id, level, status, seed, frame_size, frame_hash, parent_id FROM campaigns_campaign"
        )
    }
    self_pk, status, seed, frame_size, _hash, _parent = campaigns["self_check"]
    by_status = "SELECT status, count(*) FROM campaigns_sampleunit WHERE campaign_id = ? GROUP BY status"
    units = dict(db.execute(by_status, (self_pk,)).fetchall())
    assert status == "drawn" and units == {"done": frame_size}  # the town verified every exited household
    pk, status, seed, frame_size, frame_hash, parent = campaigns["re_check"]
    assert status == "drawn" and seed == 2026 and len(frame_hash) == 64 and parent == self_pk
    exited = db.execute("SELECT count(*) FROM registry_household WHERE household_type = '脱贫户'").fetchone()[0]
    assert frame_size == exited
    units = dict(db.execute(by_status, (pk,)).fetchall())
    assert units.get("done", 0) > 0 and units.get("pending", 0) > 0  # partly verified
    unassigned = db.execute("SELECT count(*) FROM campaigns_sampleunit WHERE checker_id IS NULL").fetchone()[0]
    assert unassigned == 0
    submitted = db.execute("SELECT count(*) FROM campaigns_sampleunit WHERE status = 'done'").fetchone()[0]
    audited = db.execute("SELECT count(*) FROM audit_auditentry WHERE action = 'campaign_unit_submitted'").fetchone()
    assert audited[0] == submitted
