from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from liuquan.ledger import audit, queries, tree, witnessing


class Command(BaseCommand):
    help = "The public ledger: sign a checkpoint, verify everything, print the key or a receipt."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("checkpoint", help="hash pending entries into the tree and sign a checkpoint now")
        verify = sub.add_parser(
            "verify",
            help="re-hash the log, check checkpoints, and compare every ledgered "
            "record with its latest entry (exit 1 on any finding)",
        )
        verify.add_argument("--json", action="store_true", help="print JSON instead of text")
        sub.add_parser("key", help="print the verifier key of the checkpoint signer")
        receipt = sub.add_parser("receipt", help="print a receipt (C2SP tlog-proof) for an entry or a record")
        target = receipt.add_mutually_exclusive_group(required=True)
        target.add_argument("--index", type=int, help="the entry's index in the log")
        target.add_argument("--record", help="TYPE:ID, e.g. org.Unit:12 (its latest entry)")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "checkpoint":
            checkpoint = tree.sign_checkpoint(force=True)
            assert checkpoint is not None
            outcomes = witnessing.cosign(checkpoint)
            self.stdout.write(checkpoint.note, ending="")
            for outcome in outcomes:
                if not outcome.cosigned:
                    self.stderr.write(
                        f"见证方 {outcome.witness} 未联署 / witness did not cosign: {outcome.detail}"
                    )
            refused = tree.first_unsealed()
            if refused is not None:
                self.stderr.write(
                    f"账本第 {refused} 条记录没有有效封印（并非由本系统的操作写入），未纳入签名；"
                    f"请运行 liuquan ledger verify 核查 / entry {refused} has no valid seal and was not signed"
                )
                raise SystemExit(1)
        elif verb == "key":
            self.stdout.write(tree.verifier().key)
        elif verb == "receipt":
            index = options["index"]
            if index is None:
                subject_type, _, subject_id = options["record"].rpartition(":")
                index = queries.latest_entry(subject_type, subject_id)
            self.stdout.write(queries.receipt(index), ending="")
        else:
            self.verify(as_json=options["json"])

    def verify(self, *, as_json: bool) -> None:
        report = audit.verify_all()
        if as_json:
            self.stdout.write(
                json.dumps(
                    {key: value for key, value in report.items() if key != "lines"},
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            for line in report["lines"]:
                self.stdout.write(line)
            verdict = "OK" if not report["findings"] else f"{len(report['findings'])} findings"
            self.stdout.write(
                f"{verdict}: {report['entries']} entries, {report['checkpoints']} checkpoints, "
                f"{report['records']} records checked"
            )
        if report["findings"]:
            raise SystemExit(1)
