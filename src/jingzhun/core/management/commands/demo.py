"""Build a fresh demo: a synthetic county, a user per level, then serve it."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Max
from rich.console import Console
from rich.table import Table

from jingzhun.accounts.models import Function, User
from jingzhun.registry.models import Household, IncomeRecord, Region
from jingzhun.standards.runs import run_checks

DEMO_PASSWORD = "jingzhun-demo"  # noqa: S105 - printed on screen; a demo database only


class Command(BaseCommand):
    help = "Create a fresh demo database with a synthetic county and demo users, then serve it."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="build the demo database and stop")

    def handle(self, *args, households: int, seed: int, bind: str, no_serve: bool, **options):
        if settings.ENV != "demo":
            raise CommandError("Run the demo with JINGZHUN_ENV=demo (the `jingzhun demo` command sets it).")
        started = time.monotonic()
        self._fresh_database()
        call_command("migrate", verbosity=0)
        call_command("synth", households=households, seed=seed, truth=str(settings.DATA_DIR / "demo-truth.csv"))
        logins = self._create_users()
        self._check()
        self._ledger_activity()
        self._campaign()
        self._print_logins(logins, bind, time.monotonic() - started)
        if not no_serve:
            call_command("serve", bind=bind)

    def _fresh_database(self) -> None:
        """Delete the demo's own SQLite file (never any other database)."""
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            raise CommandError("The demo builds its own SQLite database; unset JINGZHUN_DATABASE_URL.")
        connection.close()
        path = Path(db["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def _check(self) -> None:
        """Run the standard's checks once, so the findings pages have something to show on first login."""
        county = Region.objects.filter(level="county").order_by("code").first()
        year = IncomeRecord.objects.aggregate(year=Max("year"))["year"]
        if county is None or year is None:
            return
        run = run_checks(county, year)
        self.stdout.write(f"Checked {county} for {year}: {run.total:,} findings in {run.seconds:.1f} s")

    def _ledger_activity(self) -> None:
        """A few weeks of work on the ledger, done through the ledger's own functions by the demo users: the county
        hands each town its problems and the medical ones to the medical insurance bureau, the town hands its first
        village theirs, the village rectifies some (with a generated photo as evidence) and the town closes most."""
        import datetime as dt

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from jingzhun.ledger import transitions
        from jingzhun.ledger.access import problems_for

        users = {user.username: user for user in User.objects.filter(username__in=["county", "town", "village"])}
        county, town, village = users["county"], users["town"], users["village"]
        today = timezone.localdate()
        transitions.assign(problems_for(county), county, sector="medical_insurance",
                           deadline=today + dt.timedelta(days=20))  # fmt: skip
        for child in Region.objects.filter(parent=county.region).order_by("code"):
            transitions.assign(problems_for(county).in_region(child.code), county, region_code=child.code,
                               deadline=today + dt.timedelta(days=10 + int(child.code[6:9]) % 20))  # fmt: skip
        transitions.assign(problems_for(town).in_region(village.region_id), town, region_code=village.region_id,
                           person="驻村第一书记", deadline=today + dt.timedelta(days=2))  # fmt: skip
        mine = list(problems_for(village).filter(assignee_region_id=village.region_id).order_by("pk")[:6])
        photo = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # a generated stand-in for a site photo
        for index, problem in enumerate(mine):
            problem = transitions.start(problem, village)
            transitions.add_evidence(problem, village, SimpleUploadedFile(f"现场照片{index + 1}.png", photo))
            problem = transitions.submit(problem, village, measures="已入户核实并整改，见现场照片")
            if index < 4:
                transitions.close(problem, town, result="乡镇入户复核，整改到位")
        self.stdout.write(f"Ledger: problems assigned down the hierarchy; {len(mine)} rectified by the village")

    def _campaign(self) -> None:
        """The town's self-check, worked through by its checker; the city's re-check of a sample of the county,
        two-thirds verified."""
        from jingzhun.campaigns import demo

        users = {
            user.username: user for user in User.objects.filter(username__in=["county", "town", "checker", "city"])
        }
        pks = demo.build(users, settings.DATA_DIR / "demo-truth.csv")
        self.stdout.write(f"Verification: campaigns {', '.join(map(str, pks))} drawn, assigned and verified")

    def _create_users(self) -> list[tuple[str, str, Region | None]]:
        county = Region.objects.filter(level="county").order_by("code").first()
        if county is None:
            raise CommandError("The synthetic county was not created.")
        town = Region.objects.subtree(county.code).filter(level="town").order_by("code").first()
        # The village cadre gets a village that has households, so their pages show something.
        village_code = (
            Household.objects.in_region(town.code)
            .filter(village__level="village")  # not a household misplaced on the town itself (DQ-009)
            .order_by("village")
            .values_list("village", flat=True)[0]
        )
        village = Region.objects.get(code=village_code)
        people = [
            ("admin", Function.ADMINISTRATOR, None, "系统管理员"),
            ("city", Function.DATA_OFFICER, county.parent, "市级复查专员"),
            ("county", Function.DATA_OFFICER, county, "县级数据专员"),
            ("town", Function.DATA_OFFICER, town, "乡镇数据专员"),
            ("village", Function.DATA_OFFICER, village, "村级信息员"),
            ("checker", Function.CHECKER, town, "乡镇核查员"),
            ("viewer", Function.VIEWER, county, "县级查看员"),
            ("medical", Function.DATA_OFFICER, county, "县医保局"),
        ]
        logins = []
        for username, function, region, title in people:
            user = User(username=username, first_name=title, function=function, region=region,
                        sector="medical_insurance" if username == "medical" else "")  # fmt: skip
            user.is_superuser = user.is_staff = region is None
            user.set_password(DEMO_PASSWORD)
            user.save()
            logins.append((username, title, region))
        return logins

    def _print_logins(self, logins, bind: str, seconds: float) -> None:
        console = Console()
        table = Table(title=f"Demo users (password for all: {DEMO_PASSWORD})")
        for column in ("username", "role", "region"):
            table.add_column(column)
        for username, title, region in logins:
            table.add_row(username, title, str(region) if region else "all regions (superuser, /admin/)")
        console.print(table)
        console.print(f"Demo database ready in {seconds:.1f} s: {settings.DATABASES['default']['NAME']}")
        console.print(f"Open http://{bind}/ in a browser.")
