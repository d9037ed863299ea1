"""Walk a verification campaign through the demo county in a real browser and save the screenshots in docs/.

    python scripts/walkthrough.py [--households 20000] [--out docs/screenshots]

Builds the demo (``jingzhun demo --no-serve``) in a temporary directory, serves it with gunicorn, and drives
Debian's Chromium with Playwright: the county officer reads the demo's city re-check (progress by town and by
checker, the estimates in plain words), sets up a provincial spot-check with a two-stage design (the sample size
shown before drawing), draws it and assigns the checker's town; the checker verifies a household on a phone; the
county officer enters the re-check's inconsistencies in the ledger. Each step is asserted, so a broken step stops
the walk; the figures it printed are what the screenshots show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JINGZHUN = [sys.executable, "-m", "jingzhun"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "jingzhun-demo"  # noqa: S105 - the demo's printed password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state("networkidle")


def walk(base: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    def shot(page, name: str, *, full_page: bool = True) -> None:
        page.screenshot(path=str(out / f"campaign-{name}.png"), full_page=full_page)
        print(f"  saved {out / f'campaign-{name}.png'}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = desk.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, "county")
        print("county officer: the campaign list, the demo re-check's progress and results")
        page.goto(f"{base}/campaigns/")
        shot(page, "list")
        page.locator("table.data-table a").first.click()
        page.wait_for_function("() => document.querySelector('#campaign-checkers canvas') !== null")
        recheck_url = page.url
        shot(page, "progress")
        page.goto(recheck_url + "results/")
        page.wait_for_function("() => document.querySelector('#campaign-results canvas') !== null")
        sentences = page.locator(".sentences").inner_text()
        assert "错退率" in sentences and "置信区间" in sentences, sentences
        print("  " + sentences.replace("\n", "\n  "))
        shot(page, "results")

        print("county officer: a provincial spot-check, two-stage (villages by size, then households)")
        page.goto(f"{base}/campaigns/new/")
        page.fill("input[name=name]", "省级抽查（两阶段）")
        page.select_option("select[name=level]", "spot_check")
        page.select_option("select[name=population]", "exited")
        page.fill("input[name=reference_date]", "2026-10-31")
        page.click("button.primary")
        page.wait_for_url("**/campaigns/*/")
        page.select_option("select[name=kind]", "pps")
        page.fill("input[name=clusters]", "20")
        page.fill("input[name=per_cluster]", "10")
        page.fill("input[name=margin]", "5")
        # A fixed draw: a random one may take no village of the checker's town, who would then have nothing to do.
        page.fill("input[name=seed]", "20261124")
        page.wait_for_function("() => document.querySelector('#size-preview strong')?.textContent === '200'")
        shot(page, "design")
        page.click(".design-form button.primary")
        page.wait_for_load_state("networkidle")
        assert page.locator(".message-success").count() == 1, "the draw failed"
        spot_url = page.url
        # The demo's town checker ("乡镇核查员 · 河峰镇") gets the households of their town.
        options = page.locator("select[name=checker] option")
        line = next(options.nth(i) for i in range(options.count()) if "核查员" in options.nth(i).inner_text())
        checker, town_name = line.get_attribute("value"), line.inner_text().rsplit("·", 1)[1].strip()
        page.select_option("select[name=region]", label=town_name)
        page.select_option("select[name=checker]", checker)
        page.click("form[action$='/assign/'] button.primary")
        page.wait_for_load_state("networkidle")
        print("  " + page.locator(".message-success").inner_text())

        print("checker, on a phone: their households, one verified")
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                    has_touch=True)  # fmt: skip
        field = phone.new_page()
        sign_in(field, base, "checker")
        field.goto(f"{base}/campaigns/field/")
        shot(field, "field-list", full_page=False)
        field.locator(".unit-link").first.click()
        field.wait_for_url("**/campaigns/field/*/")
        items = field.locator("fieldset.item input[type=radio][value=consistent]")
        for index in range(items.count()):
            items.nth(index).check()
        field.check("input[name=result-water][value=inconsistent]")
        field.fill("input[name=observed-water]", "自来水管冬季冻裂，已停水两周")
        if field.locator("input[name=standard_met]").count():
            field.check("input[name=standard_met][value=yes]")
        field.check("input[name=satisfied][value=yes]")
        shot(field, "field")
        field.click("button[name=submit]")
        field.wait_for_url("**/campaigns/field/")
        print("  " + field.locator(".message").first.inner_text())
        phone.close()

        print("county officer: the spot-check's progress; the re-check's inconsistencies into the ledger")
        page.goto(spot_url)
        page.wait_for_function("() => document.querySelector('#campaign-progress canvas') !== null")
        page.goto(recheck_url)
        page.click("form[action$='/reconcile/'] button")
        page.wait_for_url(recheck_url)  # the worker enters them; the page follows it (htmx) until done
        page.wait_for_selector(".reconciliation.status-done", timeout=120_000)
        print("  " + page.locator(".reconciliation").inner_text())
        page.goto(f"{base}/ledger/")
        page.wait_for_load_state("networkidle")
        code = page.url.rstrip("/").rsplit("/", 1)[1]
        page.goto(f"{base}/ledger/region/{code}/problems/?source=verification")
        shot(page, "ledger")
        assert not errors, errors
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "JINGZHUN_ENV": "demo", "JINGZHUN_DATA_DIR": data_dir}
        env.pop("JINGZHUN_DATABASE_URL", None)
        print(f"building the demo county ({args.households:,} households) …")
        subprocess.run([*JINGZHUN, "demo", "--no-serve", "--households", str(args.households)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        port = free_port()
        server = subprocess.Popen([*JINGZHUN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            walk(base, args.out)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
