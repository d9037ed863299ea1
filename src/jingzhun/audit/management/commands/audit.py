"""``jingzhun audit verify``: check the audit chain; exit 1 naming the first broken link."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun.audit.chain import verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: `jingzhun audit verify`."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["verify"])

    def handle(self, *args, what: str, **options):
        verdict = verify()
        if not verdict.ok:
            raise CommandError(f"audit chain broken at entry #{verdict.broken_at}: {verdict.reason} "
                               f"({verdict.checked:,} entries before it are intact)")  # fmt: skip
        self.stdout.write(f"audit chain intact: {verdict.checked:,} entries")
