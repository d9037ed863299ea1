"""A run killed half-way, for test_killed_runs.py: ``python killed_run.py reconciliation|import PK``.

Runs the reconciliation or import ``PK`` in this process against the database of ``JINGZHUN_DATABASE_URL`` (the
test's own) and, once half of it is written inside its transaction, prints ``half`` and waits to be killed.
"""

from __future__ import annotations

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
django.setup()


def wait_to_be_killed() -> None:
    print("half", flush=True)
    time.sleep(600)
    raise SystemExit("not killed")


def main(kind: str, pk: int) -> None:
    if kind == "reconciliation":
        from jingzhun.campaigns.models import Reconciliation
        from jingzhun.campaigns.tasks import run_reconciliation

        def progress(done: int, total: int) -> None:
            if done == 2:  # two problems created in the open transaction
                wait_to_be_killed()

        run_reconciliation(Reconciliation.objects.select_related("campaign", "user").get(pk=pk), progress=progress)
    else:
        from jingzhun.importer import load
        from jingzhun.importer.models import RegistryImport
        from jingzhun.importer.tasks import run_import

        real = load.write_incomes

        def write_incomes_then_wait(result):  # households and persons are written by now
            real(result)
            wait_to_be_killed()

        load.write_incomes = write_incomes_then_wait
        run_import(RegistryImport.objects.select_related("user").get(pk=pk))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
