"""A tiny corpus laid out like LawRefBook/Laws, written into a temporary directory for tests.

root = build_corpus(tmp_path / "laws")   # 行政许可法 (two versions), 民法典 in two parts, an
                                        # uncatalogued regulation, a copy, a case, an index page
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from liuquan.laws.corpus import INFO_END

CATEGORIES = [
    # (id, name, folder)
    ("c-admin", "行政法", "行政法"),
    ("c-econ", "经济法", "经济法"),
    ("c-civil", "民法典", "民法典"),
    ("c-reg", "行政法规", "行政法规"),
    ("c-case", "劳动人事", "案例/劳动人事"),
]

# (id, level, name, filename, publish, expired, valid_from, category id)
LAWS = [
    ("v2003", "法律", "行政许可法", None, "2003-08-27", 1, "2004-07-01", "c-admin"),
    ("v2019", "法律", "行政许可法", None, "2019-04-23", 0, "", "c-admin"),
    ("civ-1", "法律", "民法典 总则", "总则", None, 0, None, "c-civil"),
    ("civ-2", "法律", "民法典 婚姻家庭编", "婚姻家庭编", None, 0, None, "c-civil"),
    ("case-1", "案例", "加班费争议", None, None, 0, None, "c-case"),
]

LICENSING_2019 = """# 中华人民共和国行政许可法

2003年8月27日 第十届全国人民代表大会常务委员会第四次会议通过

2019年4月23日 第十三届全国人民代表大会常务委员会第十次会议修正

%INFO_END%

## 第一章 总 则

第一条 为了规范行政许可的设定和实施，制定本法。

第二条 本法所称行政许可，是指行政机关根据申请，准予其从事特定活动的行为。

## 第四章 行政许可的实施程序

### 第一节 申请与受理

第三十二条 行政机关对申请人提出的行政许可申请，应当根据下列情况分别作出处理：

（四）申请材料不齐全或者不符合法定形式的，应当当场或者在五日内一次告知申请人需要补正的全部内容；

行政机关受理或者不予受理行政许可申请，应当出具书面凭证。

第三十二条之一 本条是为测试“之一”而加的。

第四十二条 除可以当场作出行政许可决定的外，行政机关应当自受理行政许可申请之日起二十日内作出行政许可决定。
"""

LICENSING_2003 = """# 中华人民共和国行政许可法

2003年8月27日 第十届全国人民代表大会常务委员会第四次会议通过

%INFO_END%

## 第一章 总则

第一条 为了规范行政许可的设定和实施，根据宪法，制定本法。

第三十二条 行政机关对申请人提出的行政许可申请，应当分别作出处理。
"""

CIVIL_GENERAL = """# 中华人民共和国民法典

# 总则

2020年5月28日 第十三届全国人民代表大会第三次会议通过

2021年1月1日 施行

%INFO_END%

## 第一章 基本规定

第一条 为了保护民事主体的合法权益，制定本法。

第二百零一条 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。
"""

CIVIL_FAMILY = """# 中华人民共和国民法典

# 婚姻家庭编

2020年5月28日 第十三届全国人民代表大会第三次会议通过

%INFO_END%

## 第四章 离婚

第一千零八十七条 离婚时，夫妻的共同财产由双方协议处理。
"""

# Not in the catalogue: imported with its level taken from the folder.
REGULATION = """# 政府信息公开条例

2019年4月3日 国务院令第711号修订

%INFO_END%

第一条 为了保障公民、法人和其他组织依法获取政府信息，制定本条例。

第二条 本条例所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的信息。
"""

CASE = """# 加班费争议

%INFO_END%

某公司与劳动者发生争议。
"""


# The templates spell the header marker %INFO_END% so that this file is not taken for a copied corpus file.
for _name, _value in list(globals().items()):
    if _name.isupper() and isinstance(_value, str):
        globals()[_name] = _value.replace("%INFO_END%", INFO_END)


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_catalogue(root: Path, laws: Sequence[tuple[object, ...]] = LAWS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "db.sqlite3"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE category (id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, folder TEXT NOT NULL,"
            ' isSubFolder INTEGER NOT NULL, "group" TEXT, "order" integer)'
        )
        connection.execute(
            "CREATE TABLE law (id TEXT NOT NULL PRIMARY KEY, level TEXT NOT NULL, name TEXT NOT NULL,"
            ' filename TEXT, publish DATE, expired INTEGER NOT NULL, "order" integer, subtitle TEXT,'
            " valid_from DATE, ver INTEGER, tags TEXT, category_id TEXT NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO category VALUES (?, ?, ?, 0, NULL, NULL)", [tuple(row) for row in CATEGORIES]
        )
        connection.executemany(
            "INSERT INTO law (id, level, name, filename, publish, expired, valid_from, category_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            laws,
        )
    connection.close()
    return path


def build_corpus(root: Path) -> Path:
    write_catalogue(root)
    write(root, "行政法/行政许可法(2019-04-23).md", LICENSING_2019)
    write(root, "行政法/行政许可法(2003-08-27).md", LICENSING_2003)
    write(root, "经济法/行政许可法(2019-04-23).md", LICENSING_2019)  # the same law filed twice
    write(root, "民法典/总则.md", CIVIL_GENERAL)
    write(root, "民法典/婚姻家庭编.md", CIVIL_FAMILY)
    write(root, "行政法规/政府信息公开条例(2019-04-03).md", REGULATION)
    write(root, "案例/劳动人事/加班费争议.md", CASE)
    write(root, "行政法/_index.md", "---\nbookCollapseSection: true\n---")
    return root
