from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.core.errors import NotFound
from liuquan.org import actions, queries
from liuquan.org.models import ApiToken


class Command(BaseCommand):
    help = "API tokens for machine clients: create, list, revoke (sent as 'Authorization: Bearer …')."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="issue a token for a person; prints it once")
        create.add_argument("--user", required=True, help="user name the token acts as")
        create.add_argument("--label", default="", help="what the token is for")
        create.add_argument(
            "--days",
            type=int,
            default=ApiToken.DEFAULT_DAYS,
            help=f"how long it works, 1 to {ApiToken.MAX_DAYS} days (default {ApiToken.DEFAULT_DAYS})",
        )
        listing = sub.add_parser("list", help="list a person's tokens (prefixes only)")
        listing.add_argument("--user", required=True, help="whose tokens (user name)")
        listing.add_argument("--json", action="store_true", help="print JSON instead of text")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the token's first characters, as token list shows them")

    def handle(self, *args: Any, **options: Any) -> None:
        system = actions.system_person()
        verb = options["verb"]
        if verb == "create":
            person = queries.get_person(options["user"])
            _, raw = actions.do_create_api_token(
                actor=system, person=person, label=options["label"], days=options["days"]
            )
            self.stdout.write(raw)
        elif verb == "list":
            person = queries.get_person(options["user"])
            rows = [
                {
                    "prefix": t.prefix,
                    "label": t.label,
                    "created_at": t.created_at.isoformat(),
                    "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                    "expires_at": t.lapses_at.isoformat(),
                    "revoked": t.revoked_at is not None,
                }
                for t in ApiToken.objects.filter(person=person).order_by("id")
            ]
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for row in rows:
                    self.stdout.write(
                        f"{row['prefix']}…  {row['label'] or '-'}  created {row['created_at']}"
                        f"  expires {row['expires_at']}{'  REVOKED' if row['revoked'] else ''}"
                    )
        else:
            matches = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(matches) != 1:
                raise NotFound(
                    f"没有唯一一个以 {options['prefix']} 开头的令牌（{len(matches)} 个）",
                    message_en=f"No single token has prefix {options['prefix']!r} ({len(matches)} match)",
                    field="prefix",
                )
            actions.do_revoke_api_token(actor=system, token=matches[0])
            self.stdout.write(f"revoked {matches[0].prefix}…")
