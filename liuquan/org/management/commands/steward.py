from __future__ import annotations

import getpass
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.core.errors import InvalidInput
from liuquan.org import actions
from liuquan.org.models import Person


class Command(BaseCommand):
    help = "Create a data steward (superuser for /admin/) through the actions, so it is journalled."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", required=True, help="user name")
        parser.add_argument("--name", required=True, help="full name (姓名)")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        elif not sys.stdin.isatty():
            raise InvalidInput(
                "没有可输入密码的终端：请加 --password-stdin，从标准输入传入密码",
                message_en="No terminal to type the password on: pass it on standard input with --password-stdin",
                field="password",
            )
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise InvalidInput(
                    "两次输入的密码不一致", message_en="The passwords differ", field="password"
                )
        system = actions.system_person()
        # Validate the password before anything is written: a refusal leaves no half-made account.
        actions.check_password_strength(
            password, person=Person(username=options["user"], full_name=options["name"])
        )
        person = actions.do_create_person(
            actor=system,
            username=options["user"],
            full_name=options["name"],
            unit=None,
            password=password,
            is_superuser=True,
        )
        self.stdout.write(f"steward {person.username} created")
