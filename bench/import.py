"""Benchmark of list import and search, measured on a scratch database (SQLite unless
LIUQUAN_BENCH_DATABASE_URL=postgresql://… is set).

    .venv/bin/python bench/import.py            # all real workbooks, a 50,000-item list, search p50/p95

1. Every workbook in ../shared/data/quanze-lists, read, checked, citations resolved against the law corpus
   (../shared/data/laws, imported first when present) and written into a draft edition.
2. A synthetic 50,000-item list written as .xlsx, imported, reviewed (保留 for all) and published.
3. Search over the 50,000 published items: 300 queries of 2, 3 and 4 characters taken from the items'
   names, through `queries.search_published` (what /powers/?q= runs), p50 and p95; against an SQLite FTS5
   trigram index over the same text, measured in the same run (SQLite only; trigram needs ≥ 3 characters,
   so its 2-character queries fall back to LIKE, as ours always does).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from benchcommon import ROOT, setup_django

DATA = ROOT.parent / "shared" / "data"

OBJECTS = [
    "建设工程",
    "食品生产",
    "药品经营",
    "道路运输",
    "危险化学品",
    "城镇排水",
    "特种设备",
    "医疗机构",
    "烟花爆竹",
    "矿产资源",
    "森林采伐",
    "野生动物",
    "社会团体",
    "民办学校",
    "广播电视",
    "出版物",
    "网络游戏",
    "旅行社",
    "娱乐场所",
    "二手车",
    "房地产开发",
    "物业服务",
    "燃气经营",
    "供热",
    "户外广告",
    "建筑垃圾",
    "计量器具",
    "统计调查",
    "价格",
    "电力设施",
]
ACTS = [
    "许可",
    "备案",
    "登记",
    "核准",
    "审批",
    "年检",
    "变更",
    "注销",
    "延续",
    "检查",
    "处罚",
    "奖励",
    "确认",
    "征收",
    "裁决",
]
LAWS = [
    "《中华人民共和国行政许可法》第十二条",
    "《中华人民共和国行政处罚法》第八条",
    "《中华人民共和国建筑法》第七条",
    "《中华人民共和国食品安全法》第三十五条",
    "《中华人民共和国药品管理法》第五十一条",
    "《中华人民共和国道路运输条例》第八条",
]
CATEGORIES = [
    "行政许可",
    "行政处罚",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政征收",
    "行政裁决",
    "其他行政权力",
]


def make_unit(code: str, name: str):  # type: ignore[no-untyped-def]
    from liuquan.org import actions
    from liuquan.org.models import Region

    system = actions.system_person()
    province = Region.objects.filter(code="140000").first() or actions.do_create_region(
        actor=system, code="140000", name="山西省", level="province", parent=None
    )
    city = Region.objects.filter(code="140700").first() or actions.do_create_region(
        actor=system, code="140700", name="晋中市", level="city", parent=province
    )
    return actions.do_create_unit(
        actor=system, code=code, name=name, short_name=name, kind="government_department", region=city
    )


def synthetic_workbook(path: Path, count: int, rng: random.Random) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    from liuquan.powers.exporting import COMMON_HEADER

    book = Workbook(write_only=True)
    sheet = book.create_sheet("权责清单")
    sheet.append(COMMON_HEADER)
    for number in range(1, count + 1):
        name = f"{rng.choice(OBJECTS)}{rng.choice(ACTS)}（{number}）"
        sheet.append(
            [
                str(number),
                name,
                "",
                rng.choice(CATEGORIES),
                f"【法律】{rng.choice(LAWS)}",
                "某市某局",
                "某科",
                "市级",
                "",
                "1.受理责任：依法受理。\n2.审查责任：依法审查。",
                "",
                "承办人员",
                "不依法履职的",
                "",
            ]
        )
    book.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="liuquan-bench-import-")
    setup_django(scratch)
    from django.db import connection

    from liuquan.laws import actions as laws_actions
    from liuquan.org import actions as org_actions
    from liuquan.powers import actions, importer, queries

    rng = random.Random(20151214)
    system = org_actions.system_person()
    print(f"liuquan import/search benchmark: {connection.vendor}, scratch {scratch}")
    if (DATA / "laws").is_dir():
        started = time.perf_counter()
        laws_actions.do_import_corpus(actor=system, root=DATA / "laws")
        print(f"law corpus imported in {time.perf_counter() - started:.1f} s")
    else:
        print(f"no law corpus at {DATA / 'laws'}: every citation will be 'not in the corpus'")

    lists = DATA / "quanze-lists"
    if lists.is_dir():
        print(f"{'workbook':<44} {'rows':>6} {'items':>6} {'cites':>6} {'found':>6} {'seconds':>8}")
        for number, path in enumerate(sorted(lists.iterdir()), 1):
            unit = make_unit(f"BENCH-{number:02d}", f"基准单位{number}")
            started = time.perf_counter()
            plans = importer.plan_import([path], edition=None)
            importer.do_import(actor=system, unit=unit, plans=plans)
            seconds = time.perf_counter() - started
            report = plans[0].report(imported=True)
            print(
                f"{path.name[:44]:<44} {report['rows_read']:>6} {report['items_imported']:>6} "
                f"{report['citations']:>6} {report['citations_found']:>6} {seconds:>8.2f}"
            )
    else:
        print(f"no workbooks at {lists}: skipped")

    big = make_unit("BENCH-BIG", "基准大单位")
    workbook = Path(scratch) / "big.xlsx"
    started = time.perf_counter()
    synthetic_workbook(workbook, args.items, rng)
    print(f"synthetic list of {args.items:,} items written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    plans = importer.plan_import([workbook], edition=None)
    read = time.perf_counter() - started
    edition = importer.do_import(actor=system, unit=big, plans=plans)
    print(f"imported in {time.perf_counter() - started:.1f} s (reading and checking {read:.1f} s)")
    started = time.perf_counter()
    actions.do_move_edition(actor=system, edition=edition, move="submit")
    actions.do_move_edition(actor=system, edition=edition, move="pass_first")
    actions.do_decide_remaining(actor=system, edition=edition, kind="keep", reason="基准：全部保留")
    actions.do_move_edition(actor=system, edition=edition, move="confirm")
    actions.do_move_edition(actor=system, edition=edition, move="publish")
    print(f"reviewed and published in {time.perf_counter() - started:.1f} s")

    names = [name for name in edition.items.values_list("name", flat=True)]
    words = []
    for _ in range(args.queries):
        name = rng.choice(names)
        size = rng.choice([2, 3, 4])
        start = rng.randrange(0, max(1, len(name) - size))
        words.append(name[start : start + size])

    def ours(word: str) -> None:
        queries.search_page(word, category=None, page=1)

    ours_times = timed_each(ours, words)
    print(
        f"search (ours, {len(words)} queries): p50 {p(ours_times, 50):.1f} ms, p95 {p(ours_times, 95):.1f} ms"
    )
    if connection.vendor == "sqlite":
        fts_times = fts_peer(words)
        print(f"search (FTS5 trigram peer): p50 {p(fts_times, 50):.1f} ms, p95 {p(fts_times, 95):.1f} ms")
        print(f"ratio (peer p95 / ours p95): {p(fts_times, 95) / p(ours_times, 95):.2f}x")
    return 0


def timed_each(function, words: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for word in words:
        started = time.perf_counter()
        function(word)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], percent: int) -> float:
    return statistics.quantiles(samples, n=100)[percent - 1]


def fts_peer(words: list[str]) -> list[float]:
    """An FTS5 trigram index over the same published items, queried the same way (first 50 + count)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE VIRTUAL TABLE bench_fts USING fts5(name, basis, tokenize='trigram')")
        cursor.execute(
            "INSERT INTO bench_fts(rowid, name, basis) SELECT id, name, basis FROM powers_poweritem"
        )

    def query(word: str) -> None:
        with connection.cursor() as cursor:
            if len(word) >= 3:
                where, params = "bench_fts MATCH %s", [f'"{word}"']
            else:
                where, params = "name LIKE %s OR basis LIKE %s", [f"%{word}%", f"%{word}%"]
            cursor.execute(f"SELECT rowid FROM bench_fts WHERE {where} LIMIT 50", params)  # noqa: S608
            cursor.fetchall()
            cursor.execute(f"SELECT count(*) FROM bench_fts WHERE {where}", params)  # noqa: S608
            cursor.fetchone()

    return timed_each(query, words)


if __name__ == "__main__":
    raise SystemExit(main())
