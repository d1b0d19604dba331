from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liuquan.cases import demo as cases_demo
from liuquan.decisions import demo as decisions_demo
from liuquan.flows import demo as flows_demo
from liuquan.org import demo
from liuquan.powers import demo as powers_demo


class Command(BaseCommand):
    help = (
        "Build the demo city 晋中市 (counties, departments, townships, villages, fictional staff) and "
        "replay the seed's power-list stories; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.build(progress=lambda line: self.stderr.write(f"  {line}"))
        created = result.created + powers_demo.build()
        created += flows_demo.build()
        created += decisions_demo.build()  # before the cases' sweep, which then raises its alerts
        created += cases_demo.build(progress=lambda line: self.stderr.write(f"  {line}"))
        verb = f"created {created} records" if created else "already complete; nothing changed"
        self.stdout.write(f"Demo city 晋中市: {verb}.")
        self.stdout.write("Logins (one per role):")
        for label, username, password in result.logins:
            self.stdout.write(f"  user {username:<10} password {password}   {label}")
