from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liuquan.org import demo


class Command(BaseCommand):
    help = "Build the demo city 晋中市 (counties, departments, townships, villages, fictional staff); idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.build(progress=lambda line: self.stderr.write(f"  {line}"))
        verb = f"created {result.created} records" if result.created else "already complete; nothing changed"
        self.stdout.write(f"Demo city 晋中市: {verb}.")
        self.stdout.write("Logins (one per role):")
        for label, username, password in result.logins:
            self.stdout.write(f"  user {username:<10} password {password}   {label}")
