"""`liuquan ledger verify`: clean after real work; any direct database edit is named."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

from liuquan.calendars import actions as calendar_actions
from liuquan.cases import actions as case_actions
from liuquan.cases import ingest
from liuquan.cases.models import IngestSource
from liuquan.flows import actions as flow_actions
from liuquan.flows.spec import DayKind, Limit
from liuquan.laws import actions as laws_actions
from liuquan.ledger import audit, tiles, tree
from liuquan.ledger.models import TreeTile
from liuquan.org import actions
from liuquan.powers import actions as power_actions
from liuquan.powers import importer
from liuquan.supervision import actions as supervision_actions
from liuquan.supervision import sweep as supervision_sweep
from liuquan.supervision.models import Alert
from tests.decisions import factory as decisions_factory
from tests.flows.conftest import staff
from tests.laws import corpus_factory
from tests.test_cli import run

# Columns that are bookkeeping, not state on the record: login time and token use time.
# A law version's content_sha256 caches the digest its entry commits to ("articles_sha256", recomputed
# from the stored articles), so an edit of the articles themselves is what verify reports.
NOT_LEDGERED = {
    ("org_person", "last_login"),
    ("org_apitoken", "last_used_at"),
    ("laws_lawversion", "content_sha256"),
}


@pytest.fixture
def busy_world(world, tmp_path):
    """A world where every ledgered model has at least one row."""
    system = world.system
    actions.do_assign_oversight(
        actor=system,
        unit=world.dept_a,
        leader=world.person("head"),
        area="财务",
        exception_reason="副职空缺，报纪委备案",
    )
    post = actions.do_create_post(actor=system, unit=world.dept_a, name="受理岗", kind="acceptance")
    actions.do_assign_post(actor=system, post=post, person=world.person("clerk"))
    actions.do_create_post(actor=system, unit=world.dept_b, name="审核岗", kind="review")
    ended = actions.do_assign_oversight(
        actor=system, unit=world.dept_a, leader=world.person("leader"), area="人事"
    )
    actions.do_end_oversight(actor=world.person("head"), oversight=ended)
    actions.do_create_api_token(actor=system, person=world.person("clerk"), label="ingest")
    calendar_actions.do_set_year(
        actor=system, year=2027, holidays=[dt.date(2027, 1, 1)], workdays=[], source="测试样例"
    )
    # The law corpus and a power list, through their own actions.
    laws_actions.do_import_corpus(actor=system, root=corpus_factory.build_corpus(tmp_path / "laws"))
    flow_actions.do_register_special_limit(
        actor=world.person("reform_office"),
        category="licensing",
        law="行政许可法",
        article=42,
        case=Limit(20, DayKind.WORKING),
        note="测试：一般规定",
    )
    flow_actions.do_set_hearing_threshold(
        actor=world.person("head"), unit=world.dept_a, amount=10_000, basis="某省行政处罚听证程序规定"
    )
    # A whole 三重一大 meeting on the record.
    decisions_factory.record_a_meeting(system, world.dept_a, timezone.now() + dt.timedelta(hours=1))
    # … and a second one still in session, so that every row has another to be moved to.
    decisions_factory.record_a_meeting(
        system, world.dept_b, timezone.now() + dt.timedelta(hours=1), finish=False
    )
    sheet = tmp_path / "list.xlsx"
    book = Workbook()
    book.active.append(["序号", "事项名称", "子项名称", "权力类型", "实施依据", "责任事项内容"])
    book.active.append(["1", "某登记", "", "行政许可", "《中华人民共和国行政许可法》第十二条", "受理责任"])
    book.active.append(["2", "某处罚", "", "行政处罚", "《行政处罚法》第八条", "立案责任"])
    book.save(sheet)
    # The second unit's list differs (one more item with two stages and two citations), so that
    # rows can be moved between them without breaking the database's own unique constraints.
    wider = tmp_path / "wider.xlsx"
    book.active.append(["3", "某确认", "", "行政确认", "《行政许可法》第十二条、第十三条", "受理责任"])
    book.active.append(["", "", "", "", "", "决定责任"])
    book.save(wider)
    clerk, office = world.person("clerk"), world.person("reform_office")
    edition = importer.do_import(
        actor=clerk, unit=world.dept_a, plans=importer.plan_import([sheet], edition=None)
    )
    power_actions.do_move_edition(actor=clerk, edition=edition, move="submit", comment="请审核")
    for item in edition.items.all():
        power_actions.do_decide_item(actor=office, item=item, kind="keep", reason="于法有据")
    importer.do_import(
        actor=world.person("clerk_b"), unit=world.dept_b, plans=importer.plan_import([wider], edition=None)
    )
    # A published list, and a flow with its risk map published for one of its powers, plus a draft.
    power_actions.do_move_edition(actor=office, edition=edition, move="pass_first")
    power_actions.do_move_edition(actor=office, edition=edition, move="confirm")
    power_actions.do_move_edition(actor=office, edition=edition, move="publish")
    staff(world)
    code = edition.items.get(category="licensing").code
    flow = flow_actions.do_create_flow(actor=clerk, unit=world.dept_a, power_code=code)
    flow_actions.do_publish_flow(actor=world.person("head"), definition=flow)
    flow_actions.do_create_flow(actor=clerk, unit=world.dept_a, power_code=code)
    # A case run to its end and rated, a refused attempt, an ingested event, and an alert handled to a 处置.
    opened = case_actions.do_open_case(
        actor=clerk,
        unit=world.dept_a,
        power_code=code,
        applicant=case_actions.Applicant(name="某协会", id_number="140702199001011234", phone="13800000000"),
        files=[("申请书.pdf", "申请书", b"%PDF-1.4 busy world", "application/pdf")],
    )
    case = opened.case
    with pytest.raises(case_actions.CaseRefused):
        case_actions.do_complete_step(actor=clerk, case=case, step="decide", outcome="grant")
    for key, step, outcome in [
        ("clerk", "accept", "pass"),
        ("reviewer", "review", "pass"),
        ("leader", "decide", "grant"),
        ("clerk", "deliver", "done"),
    ]:
        case_actions.do_complete_step(actor=world.person(key), case=case, step=step, outcome=outcome)
    rating = case_actions.do_rate(actor=org_actions_public(), case=case, score=2, comment="等得太久")
    case_actions.do_reply_rating(actor=world.person("head"), rating=rating, reply="已改进")
    source, _token = ingest.do_create_source(actor=system, name="legacy", unit=world.dept_a)
    other, _token = ingest.do_create_source(actor=system, name="legacy-2", unit=world.dept_a)
    ingest.do_map_person(actor=system, source=source, external="张三", person=world.person("clerk"))
    ingest.do_map_person(actor=system, source=other, external="李四", person=world.person("reviewer"))
    # Two cases of another system, dated before the test clock's START: L-1 accepted, L-2 decided with
    # 受理 and 审查 skipped (a second alert, so an alert's note has another alert to be moved to).
    for case_id, step, person, day, outcome in [
        ("L-1", "accept", "张三", "2026-06-01", "pass"),
        ("L-2", "decide", "王五", "2026-06-02", "grant"),
    ]:
        event = {"source": "legacy", "case_id": case_id, "seq": 1, "power_code": code, "step": step}
        event |= {"action": "complete", "person": person, "time": f"{day}T09:00:00+08:00", "outcome": outcome}
        ingest.do_ingest(actor=system, source=source, body=json.dumps(event))
    inspector = world.person("inspector")
    supervision_actions.do_set_rule(
        actor=inspector,
        rule="frequent_return",
        enabled=True,
        params={"max_returns": 3},
        note="试行",
        region=world.city,
    )
    supervision_sweep.run_sweep()
    alert = Alert.objects.order_by("pk").first()
    assert alert is not None
    auditor = world.person("auditor")
    supervision_actions.do_assign_alert(actor=inspector, alert=alert, assignee=auditor)
    supervision_actions.do_report_check(actor=auditor, alert=alert, finding="核查属实")
    supervision_actions.do_confirm_alert(actor=inspector, alert=alert, finding="属实")
    if alert.level == "red":  # the unit is heard before a red card's 处置
        supervision_actions.do_answer_alert(actor=world.person("head"), alert=alert, text="已整改")
    supervision_actions.do_dispose_alert(
        actor=inspector, alert=alert, kind="remind", text="提醒", people=[clerk]
    )
    from liuquan.supervision import queries as supervision_queries

    supervision_queries.access_alert(inspector, alert.pk, channel="console")  # a logged supervisory read
    return world


def org_actions_public():
    from liuquan.org.actions import public_person

    return public_person()


def run_verify(capsys) -> tuple[int, str]:
    code, out, _ = run(capsys, "ledger", "verify", "--json")
    return code, out


def test_verify_is_clean_after_real_work(busy_world, capsys):
    code, out = run_verify(capsys)
    report = json.loads(out)
    assert code == 0, report["findings"]
    assert report["entries"] > 0 and report["records"] > 0 and report["findings"] == []


def changed_values(field, value):
    """Values different from `value` that the column accepts (several candidates for a foreign key)."""
    if isinstance(field, models.BooleanField):
        return [not value]
    if isinstance(field, models.ForeignKey):
        manager = field.related_model._default_manager  # type: ignore[union-attr]
        return list(manager.exclude(pk=value).order_by("pk").values_list("pk", flat=True)[:20])
    if isinstance(field, models.DateTimeField):
        return [(value or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) + dt.timedelta(days=1)]
    if isinstance(field, models.DateField):
        return [(value or dt.date(2026, 1, 1)) + dt.timedelta(days=1)]
    if isinstance(field, models.JSONField):
        return [json.dumps([*(value or []), "改"])]
    if isinstance(field, models.DecimalField):
        return [str((value or Decimal(0)) + 1)]
    if isinstance(field, models.IntegerField):
        return [(value or 0) + 1]
    return [(value or "")[:-1] + "改" if value else "改"]


def ledgered_columns():
    return list(_ledgered_columns())


def _ledgered_columns():
    for model in audit.ledgered_models():
        for field in model._meta.concrete_fields:
            if field.primary_key or (model._meta.db_table, field.column) in NOT_LEDGERED:
                continue
            yield pytest.param(model, field, id=f"{model._meta.db_table}.{field.column}")


def tamper(model, field):
    """UPDATE one row's column behind the actions' back: the first row and value the database's own
    constraints accept (a second principal, say, is refused by the database itself)."""
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
    for row in model._default_manager.order_by("-pk"):
        for new in changed_values(field, getattr(row, field.attname)):
            if isinstance(new, dt.datetime | dt.date) and connection.vendor == "sqlite":
                new = new.isoformat(sep=" ") if isinstance(new, dt.datetime) else new.isoformat()
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    key = model._meta.pk.get_db_prep_value(row.pk, connection)  # a UUID key as stored
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [new, key])  # noqa: S608
            except IntegrityError:
                continue
            return row
    pytest.fail(f"the database refuses every edit of {table}.{column}")


@pytest.mark.parametrize(("model", "field"), ledgered_columns())
def test_a_direct_update_of_any_ledgered_column_is_found(busy_world, model, field):
    row = tamper(model, field)
    _, findings = audit.verify_records()
    named = {(finding.table, finding.record_id) for finding in findings}
    assert (model._meta.db_table, str(row.pk)) in named, f"{field.column} edit went unnoticed"


def test_models_not_on_the_ledger_are_exactly_the_bookkeeping_ones():
    from django.apps import apps

    ledgered = {model._meta.label for model in audit.ledgered_models()}
    bookkeeping = {
        "org.Person_groups",
        "org.Person_user_permissions",
        "supervision.Sanction_people",
    }
    liuquan_models = {
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label
        in {"core", "org", "laws", "powers", "flows", "calendars", "cases", "supervision"}
    } - bookkeeping
    # Articles are committed to by their version's hash. Attempt windows are rate-limit counters, pruned
    # after a day.
    assert liuquan_models - ledgered == {"laws.Article", "core.AttemptWindow"}


def test_a_row_inserted_behind_the_actions_back_is_found(busy_world):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO org_post (unit_id, name, kind) VALUES (%s, %s, %s)",
            [busy_world.dept_b.pk, "暗设岗", "general"],
        )
    _, findings = audit.verify_records()
    assert any(f.table == "org_post" and "not on the ledger" in f.detail for f in findings)


def test_a_record_written_in_clear_before_sealing_still_verifies_field_by_field(busy_world):
    from liuquan.core.actions import action
    from liuquan.org.models import Person

    clerk = busy_world.person("clerk")
    _public, private = clerk.ledger_fields()
    # Its latest leaf as liuquan wrote staff records before they were sealed: the fields in clear.
    with action("org.update_person", actor=busy_world.system) as act:
        act.record_fields("org.Person", clerk.pk, (private["fields"], private["private"]))
    assert audit.verify_records()[1] == []
    Person.objects.filter(pk=clerk.pk).update(office_phone="0354-9999999")
    Person.objects.filter(pk=clerk.pk).update(mobile="13900000000")
    _, findings = audit.verify_records()
    assert {(f.table, f.field) for f in findings} == {
        ("org_person", "office_phone"),
        ("org_person", "email/first_name/last_name/mobile/password/username"),
    }


def test_a_tampered_tree_node_or_checkpoint_is_found(busy_world):
    tree.sign_checkpoint(force=True)
    node = TreeTile.objects.order_by("key")[0]
    TreeTile.objects.filter(key=node.key).update(hashes=bytes(tiles.TILE_BYTES))
    _, findings, _ = audit.verify_tree()
    assert any(f.kind == "tree" for f in findings)


def test_a_forged_checkpoint_is_found(busy_world):
    from liuquan.ledger import note
    from liuquan.ledger.models import Checkpoint

    checkpoint = tree.sign_checkpoint(force=True)
    assert checkpoint is not None
    forger = note.generate_signer(tree.origin())
    body = note.Checkpoint(origin=tree.origin(), size=checkpoint.size, root_hash=bytes(32)).format()
    Checkpoint.objects.filter(size=checkpoint.size).update(note=forger.sign(body))
    size, _, rebuilt = audit.verify_tree()
    findings = audit.verify_checkpoints(rebuilt, size)
    assert [(f.kind, f.record_id, f.field) for f in findings] == [
        ("checkpoint", str(checkpoint.size), "note")
    ]


def test_a_rewritten_or_deleted_entry_is_found(busy_world):
    from liuquan.ledger.models import Entry

    tree.integrate()
    entry = Entry.objects.get(index=3)
    Entry.objects.filter(index=3).update(data=bytes(entry.data).replace(b'"v":1', b'"v":2'))
    _, findings, _ = audit.verify_tree()
    assert any(f.kind == "tree" and f.table == "ledger_treetile" for f in findings)
    # Named exactly, not only by its tile: the tile kept the leaf's hash from when it was integrated.
    assert {(f.kind, f.record_id, f.field) for f in findings if f.kind == "entry"} == {
        ("entry", "3", "data"),  # the leaf differs from the one hashed when it was integrated
        ("entry", "3", "seal"),  # and its seal no longer matches it
    }
    Entry.objects.filter(index=5).delete()
    _, findings, _ = audit.verify_tree()
    assert any(f.kind == "entry" and f.record_id == "5" and "missing" in f.detail for f in findings)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("subject_type", "supervision.Sanction"),
        ("subject_id", "999999"),
        ("action", "org.rename_unit"),
        ("at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    ],
)
def test_a_column_retagged_beside_its_leaf_is_found_at_its_entry(busy_world, column, value):
    """The columns the record index and the pages read (whose latest entry is whose) are checked against
    the leaf itself: re-tagging later entries to hide a record's change is named, entry by entry."""
    from liuquan.ledger.models import Entry

    tree.integrate()
    index = (
        Entry.objects.filter(subject_type="supervision.Alert")
        .order_by("-index")
        .values_list("index", flat=True)[0]
    )
    Entry.objects.filter(index=index).update(**{column: value})
    _, findings, _ = audit.verify_tree()
    assert [(f.kind, f.record_id, f.field) for f in findings] == [("entry", str(index), column)]


def test_erasing_a_sanction_and_retagging_its_entries_is_found_entry_by_entry(busy_world, capsys):
    """The audit's first attack: the alert set back to confirmed, its 处置 and the note deleted, and the
    later entries re-tagged (leaf bytes untouched) so that the confirm entry looks like the latest."""
    from liuquan.ledger.models import Entry
    from liuquan.supervision.models import AlertNote, Sanction

    tree.integrate()
    sanction = Sanction.objects.get()
    alert = sanction.alert
    later = list(
        Entry.objects.filter(action="supervision.dispose_alert")
        .order_by("index")
        .values_list("index", flat=True)
    )
    assert later
    sanction.people.clear()
    Sanction.objects.filter(pk=sanction.pk).delete()
    AlertNote.objects.filter(alert=alert, kind="dispose").delete()
    Alert.objects.filter(pk=alert.pk).update(status="confirmed")
    Entry.objects.filter(index__in=later).update(subject_type="supervision.Retired")
    code, out = run_verify(capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    named = {(f["record_id"], f["field"]) for f in findings if f["kind"] == "entry"}
    assert named == {(str(index), "subject_type") for index in later}


def test_an_actor_swapped_beside_its_leaf_is_found(busy_world):
    from liuquan.ledger.models import Entry

    tree.integrate()
    entry = Entry.objects.filter(actor=busy_world.person("clerk")).order_by("index").first()
    assert entry is not None
    Entry.objects.filter(index=entry.index).update(actor=busy_world.person("head"))
    _, findings, _ = audit.verify_tree()
    assert [(f.record_id, f.field) for f in findings] == [(str(entry.index), "actor_id")]


def test_a_well_formed_entry_inserted_past_the_head_is_never_hashed_nor_signed(busy_world, capsys):
    """With database access alone: a leaf copied in shape and actor from a real one, appended past the
    tree with the sequencer moved — it lacks the seal only the key in var/ makes."""
    from liuquan.ledger import log
    from liuquan.ledger.models import Checkpoint, Entry, Sequencer

    size = tree.integrate()
    model = Entry.objects.get(index=size - 1)
    forged = log.encode_entry(
        index=size,
        at=model.content["time"],
        action="supervision.dismiss_alert",
        actor=model.content["actor"],
        subject_type="supervision.Alert",
        subject_id="1",
        state={"sealed": True},
        private_commitment="0" * 64,
    )
    for attempt in (b"", b"\x00" * 32):  # no seal, then a made-up one
        Entry.objects.filter(index=size).delete()
        Entry.objects.create(
            index=size,
            data=forged,
            at=model.at,
            action="supervision.dismiss_alert",
            actor_id=model.actor_id,
            subject_type="supervision.Alert",
            subject_id="1",
            seal=attempt,
        )
        Sequencer.objects.filter(pk=1).update(next_index=size + 1)
        assert tree.integrate() == size  # not taken into the tree
        code, out = run_verify(capsys)
        findings = json.loads(out)["findings"]
        assert code == 1 and [(f["record_id"], f["field"]) for f in findings if f["kind"] == "entry"] == [
            (str(size), "seal")
        ]
        code, _, err = run(capsys, "ledger", "checkpoint")
        assert code == 1 and f"第 {size} 条" in err
        assert Checkpoint.objects.order_by("-size").values_list("size", flat=True)[0] == size


@pytest.mark.parametrize("with_entry_key", [False, True])
def test_rewriting_history_and_re_signing_is_refused_and_found(busy_world, capsys, with_entry_key):
    """The audit's third attack: later checkpoints and the stored tree deleted, an entry rewritten in
    place, then `ledger checkpoint` to sign the new history. Without the entry key the rewritten entry's
    seal fails; even with it (an insider who also read var/), the signer remembers the last checkpoint it
    signed and will not sign a second history, and verify names the difference."""
    from liuquan.ledger import log
    from liuquan.ledger.models import Checkpoint, Entry, TreeHead, TreeTile

    signed = tree.sign_checkpoint(force=True)
    assert signed is not None and tree.remembered() is not None
    victim = Entry.objects.filter(subject_type="supervision.Sanction").order_by("index").first()
    assert victim is not None
    Checkpoint.objects.all().delete()
    TreeTile.objects.all().delete()
    TreeHead.objects.filter(pk=1).update(size=0, root=b"", integrated_at=None)
    rewritten = bytes(victim.data).replace(b'"v":1', b'"v":2', 1)  # any change of the leaf bytes
    assert rewritten != bytes(victim.data)
    seal = log.seal(victim.index, rewritten) if with_entry_key else bytes(victim.seal)
    Entry.objects.filter(index=victim.index).update(data=rewritten, seal=seal)

    code, _, err = run(capsys, "ledger", "checkpoint")
    assert code != 0 and ("不一致" in err or f"第 {victim.index} 条" in err)
    assert not Checkpoint.objects.filter(size__gte=signed.size).exclude(root=signed.root).exists()
    code, out = run_verify(capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    memory = [f for f in findings if f["table"].endswith("ledger-signed.note")]
    assert memory and memory[0]["record_id"] == str(signed.size)
    if not with_entry_key:
        assert {"record_id": str(victim.index), "field": "seal"}.items() <= next(
            f for f in findings if f["field"] == "seal"
        ).items()


def test_a_garbage_leaf_is_a_finding_never_a_crash(busy_world, capsys):
    from liuquan.ledger.models import Entry

    tree.integrate()
    latest = Entry.objects.filter(subject_type="org.Unit").order_by("-index").first()
    assert latest is not None
    Entry.objects.filter(index=latest.index).update(data=b"\xff not json at all")
    code, out = run_verify(capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    named = {(f["table"], f["record_id"], f["field"]) for f in findings}
    assert ("ledger_entry", str(latest.index), "data") in named
    assert any(f["kind"] == "record" and "not a readable leaf" in f["detail"] for f in findings)


def test_verify_is_clean_after_the_demo_and_names_a_direct_edit(db, capsys):
    from liuquan.org import demo
    from liuquan.org.models import Unit

    demo.build()
    code, out = run_verify(capsys)
    assert code == 0, json.loads(out)["findings"]
    unit = Unit.objects.get(code="140700-MZJ")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_unit SET name = %s WHERE id = %s", ["晋中市民政局（改）", unit.pk])
    code, out = run_verify(capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["kind"], f["table"], f["record_id"], f["field"]) for f in findings] == [
        ("record", "org_unit", str(unit.pk), "name")
    ]
    assert "晋中市民政局（改）" in findings[0]["detail"]


def test_the_signers_memory_never_moves_back(busy_world):
    first = tree.sign_checkpoint(force=True)
    assert first is not None
    actions.do_create_post(actor=busy_world.system, unit=busy_world.dept_a, name="新岗", kind="general")
    second = tree.sign_checkpoint(force=True)
    assert second is not None and second.size > first.size
    tree._remember(first.note)  # a slower signer finishing late with the older checkpoint
    kept = tree.remembered()
    assert kept is not None and kept.size == second.size


def test_a_supervisory_read_erased_or_made_up_is_found(busy_world):
    from liuquan.core.models import AccessLog

    read = AccessLog.objects.get()
    AccessLog.objects.filter(pk=read.pk).delete()  # 纪检 erasing the trace of a read
    AccessLog.objects.create(  # … and pinning one on a colleague
        at=read.at,
        person=busy_world.person("auditor"),
        record_type=read.record_type,
        record_id="1",
        channel="api",
    )
    _, findings = audit.verify_records()
    named = {(f.table, f.detail.split(" (")[0]) for f in findings}
    assert ("core_accesslog", "on the ledger but missing from the database") in named
    assert ("core_accesslog", "not on the ledger") in named


def test_two_entries_swapped_are_both_named(busy_world):
    from liuquan.ledger.models import Entry

    tree.integrate()
    first, second = Entry.objects.filter(index__in=[10, 11]).order_by("index")
    Entry.objects.filter(index=10).update(data=bytes(second.data), seal=bytes(second.seal))
    Entry.objects.filter(index=11).update(data=bytes(first.data), seal=bytes(first.seal))
    _, findings, _ = audit.verify_tree()
    named = {(f.record_id, f.field) for f in findings if f.kind == "entry"}
    assert {("10", "data"), ("11", "data")} <= named  # each leaf decodes to the other's index


def test_a_truncated_log_is_found_against_the_signers_memory(busy_world, capsys):
    from liuquan.ledger.models import Checkpoint, Entry, Sequencer, TreeHead, TreeTile

    signed = tree.sign_checkpoint(force=True)
    assert signed is not None
    keep = signed.size - 5  # the last five entries (the 处置 among them) cut off, tree and checkpoints redone
    Entry.objects.filter(index__gte=keep).delete()
    Sequencer.objects.filter(pk=1).update(next_index=keep)
    Checkpoint.objects.all().delete()
    TreeTile.objects.all().delete()
    TreeHead.objects.filter(pk=1).update(size=0, root=b"", integrated_at=None)
    code, _, err = run(capsys, "ledger", "checkpoint")
    assert code != 0 and "不一致" in err  # the signer will not sign the shorter history
    code, out = run_verify(capsys)
    findings = json.loads(out)["findings"]
    assert code == 1
    assert any(f["field"] == "size" and f["record_id"] == str(signed.size) for f in findings), findings


def test_a_sweep_mark_raised_is_found_and_the_sweep_still_reads_below_it(busy_world, capsys):
    """Raising a high-water mark would make the sweep skip every new breach beneath it: verify names
    the mark against its entry, and the sweep reads from where the ledger says it stands."""
    from liuquan.cases.models import Breach
    from liuquan.ledger.models import Entry
    from liuquan.supervision.models import SweepMark

    source = IngestSource.objects.get(name="legacy")
    code = Alert.objects.filter(case__isnull=False).earliest("pk").case.power_code  # type: ignore[union-attr]
    event = {"source": "legacy", "case_id": "L-3", "seq": 1, "power_code": code, "step": "decide"}
    event |= {"action": "complete", "person": "王五", "time": "2026-06-03T09:00:00+08:00", "outcome": "grant"}
    ingest.do_ingest(actor=busy_world.system, source=source, body=json.dumps(event))
    breach = Breach.objects.filter(case__external_id="L-3").first()
    assert breach is not None
    mark = SweepMark.objects.get(name="breach")
    recorded = Entry.objects.filter(subject_type="supervision.SweepMark", subject_id=str(mark.pk)).latest(
        "index"
    )
    assert recorded.state["value"] == mark.value < breach.pk
    SweepMark.objects.filter(name__in=["breach", "step"]).update(value=10**12)  # the insider's edit

    _, findings = audit.verify_records()
    named = {(f.table, f.record_id, f.field) for f in findings}
    assert ("supervision_sweepmark", str(mark.pk), "value") in named
    assert any(f"entry #{recorded.index}" in f.detail for f in findings if f.table == "supervision_sweepmark")

    code_, out, err = run(capsys, "supervise", "sweep")
    assert code_ == 0 and "水位标记 breach" in err and "10000000000" not in out
    assert Alert.objects.filter(case=breach.case).exists()  # the breach under the raised mark still alerts
    # The sweep brought the marks back to what it read and recorded them: verify is clean again.
    assert SweepMark.objects.get(name="breach").value == Breach.objects.latest("pk").pk
    _, findings = audit.verify_records()
    assert not [f for f in findings if f.table == "supervision_sweepmark"]


def test_a_sweep_mark_entry_forged_with_database_access_alone_is_not_believed(busy_world):
    from liuquan.ledger import log
    from liuquan.ledger import queries as ledger_queries
    from liuquan.ledger.models import Entry
    from liuquan.supervision.models import SweepMark

    mark = SweepMark.objects.get(name="step")
    latest = Entry.objects.filter(subject_type="supervision.SweepMark", subject_id=str(mark.pk)).latest(
        "index"
    )
    forged = latest.content | {"state": {"name": "step", "value": 10**12, "day": None}}
    Entry.objects.filter(index=latest.index).update(data=log.canonical(forged))  # seal no longer fits
    SweepMark.objects.filter(pk=mark.pk).update(value=10**12)
    states = ledger_queries.recorded_states("supervision.SweepMark", [str(mark.pk)])
    assert states.get(str(mark.pk), {}).get("value", 0) < 10**12
    assert supervision_sweep.marks_in_force()["step"] < 10**12


def test_a_quiet_sweep_appends_nothing_and_a_busy_one_records_its_marks(busy_world):
    from liuquan.ledger.models import Entry

    supervision_sweep.run_sweep()
    before = Entry.objects.count()
    supervision_sweep.run_sweep()  # nothing new since: no mark moves, no entry
    assert Entry.objects.count() == before
    source = IngestSource.objects.get(name="legacy")
    code = Alert.objects.filter(case__isnull=False).earliest("pk").case.power_code  # type: ignore[union-attr]
    event = {"source": "legacy", "case_id": "L-4", "seq": 1, "power_code": code, "step": "accept"}
    event |= {"action": "complete", "person": "张三", "time": "2026-06-04T09:00:00+08:00", "outcome": "pass"}
    ingest.do_ingest(actor=busy_world.system, source=source, body=json.dumps(event))
    before = Entry.objects.count()
    supervision_sweep.run_sweep()
    moved = Entry.objects.filter(index__gte=before, subject_type="supervision.SweepMark")
    assert {entry.state["name"] for entry in moved} >= {"step"}
