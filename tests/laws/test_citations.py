"""The 实施依据 citation parser and its resolver (pure: no database).

Most cases are literal snippets of real cells from the published 权责清单 workbooks (public government
text), trimmed where the quoted article runs on; cases marked "adapted" put real law names into a form
the workbooks happen not to use (之一, Arabic numerals, numbering prefixes) but other lists do.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuquan.laws.citations import (
    MAX_RANGE,
    Citation,
    ParseResult,
    normalize_law_name,
    parse_cell,
    resolve,
    summarize,
)
from liuquan.laws.numerals import ArticleNo

A = ArticleNo
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
LISTS = DATA / "quanze-lists"
LAW_DB = DATA / "laws" / "db.sqlite3"

PRC = "中华人民共和国"
XUKE = f"{PRC}行政许可法"


def tuples(result: ParseResult) -> list[tuple[str, ArticleNo | None, int | None, int | None]]:
    return [(c.law_name, c.article, c.paragraph, c.item) for c in result.citations]


# ----- real cells, every form -----

FISHERY = (
    "【法律】《中华人民共和国渔业法》（1986年1月20日主席令第三十四号，2013年12月28日予以修改）\n"
    "    第四十五条：未经批准在水产种质资源保护区内从事捕捞活动的，责令立即停止捕捞，没收渔获物和渔具，"
    "可以并处一万元以下的罚款。\n"
    "    第四十八条第一款：本法规定的行政处罚，由县级以上人民政府渔业行政主管部门或者其所属的渔政监督管理"
    "机构决定。但是，本法已对处罚机关作出规定的除外。"
)
OTHER_LAW_IN_QUOTE = (
    "【法规】《中华人民共和国中外合作办学条例》（2003年03月01日国务院令第372号公布，自2003年9月1日起施行，"
    " 2019年03月02日根据《国务院关于修改部分行政法规的决定》修正）\n"
    "    第五十七条：违反本条例的规定，发布虚假招生简章，骗取钱财的，由教育行政部门、劳动行政部门按照职责分工，"
    "责令限期改正并予以警告；中外合作办学机构发布虚假广告的，依照《中华人民共和国广告法》的有关规定追究其法律责任。"
)
SAME_LAW_IN_QUOTE = (
    "【规章】《房地产估价机构管理办法》（2005年10月12日建设部令第142号发布，2015年5月4日中华人民共和国住房"
    "和城乡建设部令第24号《住房和城乡建设部关于修改〈房地产开发企业资质管理规定〉等部门规章的决定》第二次修正）\n"
    "    第五十一条：违反本办法第二十七条规定，房地产估价机构及其估价人员应当回避未回避的，由县级以上地方人民政府"
    "房地产主管部门给予警告，责令限期改正，并可处1万元以下的罚款；给当事人造成损失的，依法承担赔偿责任。\n"
    "    第二十七条：房地产估价机构及执行房地产估价业务的估价人员与委托人或者估价业务相对人有利害关系的，应当回避。"
)
INLINE_LISTS = (
    "【法律】《中华人民共和国行政许可法》（2019年4月23日修正）   第三十条、第三十四条、第三十七条、第四十条、"
    "第四十四条。\n【法规】《对外劳务合作管理条例》   第五条、第七条\n"
    "【规章】《对外劳务合作风险处置备用金管理办法（试行）》2017年9月14日修改   第二十三条"
)
RANGES = (
    "【法律】《中华人民共和国行政许可法》（2003年8月27日第十届全国人民代表大会常务委员会第四次会议通过，"
    "自2004年7月1日起施行，2019年4月23日第十三届全国人民代表大会常务委员会第十次会议修正）\n"
    "    第二十九条至第四十一条，第四十五条、第五十条，第六十条至第六十三条，第六十九条、第八十一条"
)
PARAGRAPHS_AND_ITEMS = (
    "【法律】《中华人民共和国安全生产法》（2002年6月29日中华人民共和国主席令第70号公布，自2002年11月1日起施行。"
    "2021年6月10日第十三届全国人民代表大会常务委员会第二十九次会议第三次修正，自2021年9月1日起施行）\n"
    "    第二十七条第一款、第二款：生产经营单位的主要负责人和安全生产管理人员必须具备与本单位所从事的生产经营活动"
    "相应的安全生产知识和管理能力。\n"
    "    第九十七条第一项、第二项：生产经营单位有下列行为之一的，责令限期改正，处十万元以下的罚款"
)
ITEM_NUMERAL_LIST = (
    "【法律】《中华人民共和国农产品质量安全法》（2006年4月29日第十届全国人民代表大会常务委员会第二十一次会议通过；"
    "根据2018年10月26日第十三届全国人民代表大会常务委员会第六次会议《关于修改〈中华人民共和国野生动物保护法〉"
    "等十五部法律的决定》修正）\n"
    "    第三十三条第一、二、三、五项：有下列情形之一的农产品，不得销售：\n"
    "    （一）含有国家禁止使用的农药、兽药或者其他化学物质的；"
)
ITEM_RANGE = (
    "【规章】《导游管理办法》（2017年10月16日通过，2018年1月1日实施） \n"
    "    第三十二条第一款第（六）项：导游违反本办法有关规定的，依照下列规定处理：（六）违反本办法第二十三条第（三）项"
    "至第（六）项规定的，依据《旅游法》第九十八条的规定处罚。\n"
    "    第二十三条第（三）项至第（六）项：导游在执业过程中不得有下列行为：（三）擅自安排购物活动或者另行付费旅游项目；"
)
MID_LINE_HEADER = (
    "【规章】《导游管理办法》（2017年10月16日通过，2018年1月1日实施） \n"
    "    第三十二条第一款第（五）项：导游违反本办法有关规定的，依照下列规定处理：（五）违反本办法第二十三条第（二）项"
    "规定的，依据《旅游法》第一百条的规定处罚。第二十三条第（二）项：导游在执业过程中不得有下列行为：（二）擅自变更"
    "旅游行程或者拒绝履行旅游合同。"
)
TARGET_LEVEL = (
    "【规范性文件】《自治区应急管理系统行政许可和公共服务事项目录》（2020年4月20日自治区应急管理厅公告2020年第3号"
    "公布，自2020年5月1日起施行）\n"
    "    第二条第二项第三目：自治区应急管理部门负责办理下列行政许可事项（应当由应急管理部办理的行政许可事项除外）："
)
PARAGRAPH_WITHOUT_DI = (
    "【规章】《卫星电视广播地面接收设施安装服务暂行办法》（2009年8月6日国家广播电影电视总局令第60号公布，"
    "2021年10月9日国家广播电视总局令第10号第二次修订）\n"
    "    第四条二款：设立卫星地面接收设施安装服务机构，应当取得《卫星地面接收设施安装服务许可证》。"
)
CHAPTERS = "【法律】《中华人民共和国行政处罚法》（2021年1月22日修正）。\n    第五章、第六章、第七章。"
WHOLE_TEXT = (
    "【规范性文件】《新疆维吾尔自治区应急管理工作目标管理考核办法》（新政办发〔2008〕8号）\n   全文适用"
)
STATE_COUNCIL_ITEM = (
    "【国务院决定】《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号，自2004年7月1日起施行，"
    "2016年8月25日修订）\n    第87项：设立技工学校审批。实施机关:劳动保障部、省级人民政府劳动保障行政主管部门。"
)
NO_OPENING_BRACKET = (
    "【规范性文件】国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》"
    "（国办发〔2018〕118号）\n    全文适用"
)
PAREN_FOR_BRACKET = (
    "【法规】（禁止使用童工规定》（2002年10月1日国务院令第364号公布,自2002年12月1日起施行）\n"
    "    第九条：无营业执照、被依法吊销营业执照的单位以及未依法登记、备案的单位使用童工或者介绍童工就业的，"
    "依照本规定第六条、第七条、第八条规定的标准加一倍罚款，该非法单位由有关的行政主管部门予以取缔。"
)
ISSUER_PREFIX = (
    "【规范性文件】新疆维吾尔自治区人民政府办公厅《关于下放行政权力事项的通知》（新政办发〔2016〕116号）\n"
    "   关于自治区商务厅下放行政权力事项：   二手车交易市场和其他二手车经营主体备案下放后实施机关：地州市级商务部门"
)
QUOTE_MARKS_AND_INLINE_TAG = (
    "【部令】 2017年3月1日国务院令第676号《城市市容和环境卫生管理条例》第三十三条:“按国家行政建制设立的市的市区内，"
    "禁止饲养鸡、鸭、鹅、兔、羊、猪等家畜家禽;因教学、科研以及其他特殊需要饲养的除外。”       【规章】"
    "《新疆维吾尔自治区实施〈城市市容和环境卫生管理条例〉行政处罚办法》（2001年3月12日自治区人民政府令第100号）\n"
    "    第六条：违反《条例》规定，未经批准擅自饲养家禽家畜或者未按规定实行笼养、圈养，影响市容和环境卫生的，"
    "由市容环境卫生管理部门责令其限期处理或者予以没收，并可处以50元以上500元以下罚款。"
)
HARD_WRAPPED = (
    "【法律】《 中华\n人民共和国统计\n法》（ 1983年\n12月8 日由第六\n届全国人民代表\n大会常务委员会\n第三次会议通\n"
    "过，根据2024\n年9月13日第十\n四届全国人民代\n表大会常务委员\n会第十一次会议\n第二次修正）\n"
    "  第四十条、\n第四十一条、第\n四十二条"
)
DOUBLE_CLOSE = (
    "【法规】《报废机动车回收管理办法》》（2019年4月22日中华人民共和国国务院令第715号发布，自2019年6月1日起施行）\n"
    "    第四条第二款：县级以上地方人民政府负责报废机动车回收管理的部门对本行政区域内报废机动车回收活动实施监督管理。\n"
    "【规章】《报废机动车回收管理办法》实施细则》（商务部令2020年第2号，自2020年9月1日起施行）\n"
    "    第五条第一款：省级商务主管部门负责实施报废机动车回收拆解企业（以下简称回收拆解企业）资质认定工作。"
)
TEXT_BEFORE_ARTICLE = (
    "【法规】《新疆维吾尔自治工种畜禽生产经营许可证管理办法以》（新政发【2020】53号）文第三章第十条：申请《种畜禽"
    "生产经营许可证》的单位、个人，应报送以下材料：\n（一）《种畜禽生产经营许可证申请表》；\n"
    "（二）申请报告（依照本办法规定的申报条件详细说明）；"
)
SLOPPY_LIST = (
    "【法律】《中华人民共和国行政许可法》（2003年8月27日第十届全国人民代表大会常务委员会第四次会议通过，"
    "自2004年7月1日起施行，2019年4月23日，第十三届全国人民代表大会常务委员会第十次会议修正，自公布之日起施行）\n"
    "    第三十条、三十二条、第三十四条、第三十七条、第三十八、第四十条、第四十四条、第六十一条。"
)
NOTE_BEFORE_COLON = (
    "【法规】《社会团体登记管理条例》(2016年2月修订) \n"
    "    第二十条（2016修改版，原1998版第二十二条）：社会团体在办理注销登记前，应当在业务主管单位及其他有关机关的"
    "指导下，成立清算组织，完成清算工作。\n"
    "   第二十五条：业务主管单位履行下列监督管理职责：\n   (一) 负责社会团体成立登记、变更登记、注销登记前的审查；"
)
NO_COLON = (
    "【法律】《中华人民共和国种子法》（2000年7月8日主席令第三十四号颁布，2015年11月4日予以修改）\n"
    "    第八十条违反本法第三十六条、第三十八条、第四十条、 第四十一条规定，有下列行为之一的，由县级以上人民政府"
    "农业、林业主管部门责令改正，处二千元以上二万元以下罚款。"
)
UNTAGGED = "《国务院对确需保留的行政审批项目设定行政许可的决定》"
DUTY_TEXT = (
    "直接实施责任：\n1.拟定行政检查计划。\n2.依据法律、法规和规章的规定，对违法行为（违法事实）和违规行为（违规事实）"
    "等逐条处理，处理应采用书面形式，制作《调查笔录》，向被检查单位出具《监督检查报告书》。"
)
DECIMAL_CLAUSE = (
    "【标准】《企业安全生产标准化基本规范》（GBT33000-2016）\n    第4.3条：自评和评审  企业安全生产标准化管理体系"
    "的运行情况，采用企业自评和评审单位评审的方式进行评估。"
)
UNCLOSED_NOTE = (
    "【规章】《旅行社条例实施细则》（2009年4月2日通过，2016年12月12日修改\n"
    "    1.第六十二条：违反本实施细则第四十条第二款的规定，旅行社以同一团队的成员不足6人为由拒绝提供服务的"
)
UNCLOSED_NAME = (
    "【政府规章】《新疆维吾尔自治区实施<公共机构节能条例>办法（2012年2月21日经自治区第十一届人民政府第31次常务会议"
    "讨论通过2012年2月23日自治区人民政府令第176号公布，自2012年4月1日起施行。）\n    第十条：公共机构应当建立健全"
)
WRITTEN_TWICE = (
    "【规章】《住宅室内装饰装修管理办法》《住宅室内装饰装修管理办法》（2002年3月5日建设部令第110号发布，"
    "根据2011年1月26日住房和城乡建设部令第9号修订）\n"
    "    第三十八条：住宅室内装饰装修活动有下列行为之一的，由城市房地产行政主管部门责令改正，并处罚款："
)
SPACED_TAG = (
    "【 法律】《 中华人民共和国统计法》（ 1983年12 月8 日由第六届全国人民代表大会常务委员会第三次会议通过 ，根据\n"
    "2024年9月13日第十四届全国人民代表大会常务委员会第十一次会议第二次修正 ）\n"
    "  第四十五条：作为统计调查对象的国家机关 、企业事业单位或者其他组织迟报统计资料 ，或者未按照国家有关规定"
)
TWO_LAWS_ONE_LINE = (
    "【法律】《中华人民共和国行政处罚法》（1996年3月17日第八届全国人民代表大会第四次会议通过发布施行；2021年1月22日"
    "修订）第五十四条、第五十五条、第五十七条、第五十八条、第五十九条。    【规章】《旧电器电子产品流通管理办法》"
    "(2013年2月17日商务部第74次部务会议审议通过，商务部令2013年第1号公布，2013年5月1日起施行)\n"
    "    第五条：商务部负责旧电器电子产品流通的行业管理工作，负责制定行业发展规划、政策。"
)

STATS = f"{PRC}统计法"
SAFETY = f"{PRC}安全生产法"
GUIDE = "导游管理办法"
PENALTY = f"{PRC}行政处罚法"

REAL_CASES = [
    pytest.param(
        FISHERY, [(f"{PRC}渔业法", A(45), None, None), (f"{PRC}渔业法", A(48), 1, None)], id="basic"
    ),
    pytest.param(
        OTHER_LAW_IN_QUOTE, [(f"{PRC}中外合作办学条例", A(57), None, None)], id="other-law-in-quote"
    ),
    pytest.param(
        SAME_LAW_IN_QUOTE,
        [("房地产估价机构管理办法", A(51), None, None), ("房地产估价机构管理办法", A(27), None, None)],
        id="same-law-in-quote",
    ),
    pytest.param(
        INLINE_LISTS,
        [(XUKE, A(n), None, None) for n in (30, 34, 37, 40, 44)]
        + [("对外劳务合作管理条例", A(5), None, None), ("对外劳务合作管理条例", A(7), None, None)]
        + [("对外劳务合作风险处置备用金管理办法（试行）", A(23), None, None)],
        id="inline-lists",
    ),
    pytest.param(
        RANGES,
        [(XUKE, A(n), None, None) for n in [*range(29, 42), 45, 50, *range(60, 64), 69, 81]],
        id="ranges",
    ),
    pytest.param(
        PARAGRAPHS_AND_ITEMS,
        [
            (SAFETY, A(27), 1, None),
            (SAFETY, A(27), 2, None),
            (SAFETY, A(97), None, 1),
            (SAFETY, A(97), None, 2),
        ],
        id="paragraph-and-item-lists",
    ),
    pytest.param(
        ITEM_NUMERAL_LIST,
        [(f"{PRC}农产品质量安全法", A(33), None, n) for n in (1, 2, 3, 5)],
        id="item-numeral-list",
    ),
    pytest.param(
        ITEM_RANGE,
        [(GUIDE, A(32), 1, 6)] + [(GUIDE, A(23), None, n) for n in (3, 4, 5, 6)],
        id="item-range",
    ),
    pytest.param(MID_LINE_HEADER, [(GUIDE, A(32), 1, 5), (GUIDE, A(23), None, 2)], id="mid-line-header"),
    pytest.param(TARGET_LEVEL, [("自治区应急管理系统行政许可和公共服务事项目录", A(2), None, 2)], id="mu"),
    pytest.param(
        PARAGRAPH_WITHOUT_DI,
        [("卫星电视广播地面接收设施安装服务暂行办法", A(4), 2, None)],
        id="kuan-without-di",
    ),
    pytest.param(CHAPTERS, [(PENALTY, None, None, None)] * 3, id="chapters"),
    pytest.param(
        WHOLE_TEXT, [("新疆维吾尔自治区应急管理工作目标管理考核办法", None, None, None)], id="whole-text"
    ),
    pytest.param(
        STATE_COUNCIL_ITEM,
        [("国务院对确需保留的行政审批项目设定行政许可的决定", None, None, 87)],
        id="item-without-article",
    ),
    pytest.param(
        NO_OPENING_BRACKET,
        [
            (
                "国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见",
                None,
                None,
                None,
            )
        ],
        id="missing-opening-bracket",
    ),
    pytest.param(PAREN_FOR_BRACKET, [("禁止使用童工规定", A(9), None, None)], id="paren-for-bracket"),
    pytest.param(ISSUER_PREFIX, [("关于下放行政权力事项的通知", None, None, None)], id="issuer-prefix"),
    pytest.param(
        QUOTE_MARKS_AND_INLINE_TAG,
        [
            ("城市市容和环境卫生管理条例", A(33), None, None),
            ("新疆维吾尔自治区实施〈城市市容和环境卫生管理条例〉行政处罚办法", A(6), None, None),
        ],
        id="quote-marks-and-inline-tag",
    ),
    pytest.param(HARD_WRAPPED, [(STATS, A(n), None, None) for n in (40, 41, 42)], id="hard-wrapped"),
    pytest.param(
        DOUBLE_CLOSE,
        [("报废机动车回收管理办法", A(4), 2, None), ("报废机动车回收管理办法实施细则", A(5), 1, None)],
        id="double-closing-bracket",
    ),
    pytest.param(
        TEXT_BEFORE_ARTICLE,
        [("新疆维吾尔自治工种畜禽生产经营许可证管理办法以", A(10), None, None)],
        id="text-before-article",
    ),
    pytest.param(
        SLOPPY_LIST, [(XUKE, A(n), None, None) for n in (30, 32, 34, 37, 38, 40, 44, 61)], id="sloppy-list"
    ),
    pytest.param(
        NOTE_BEFORE_COLON,
        [("社会团体登记管理条例", A(20), None, None), ("社会团体登记管理条例", A(25), None, None)],
        id="note-before-colon",
    ),
    pytest.param(NO_COLON, [(f"{PRC}种子法", A(80), None, None)], id="no-colon"),
    pytest.param(
        UNTAGGED, [("国务院对确需保留的行政审批项目设定行政许可的决定", None, None, None)], id="untagged"
    ),
    pytest.param(DUTY_TEXT, [], id="forms-in-prose-are-not-citations"),
    pytest.param(DECIMAL_CLAUSE, [("企业安全生产标准化基本规范", None, None, None)], id="decimal-clause"),
    pytest.param(UNCLOSED_NOTE, [("旅行社条例实施细则", A(62), None, None)], id="unclosed-note"),
    pytest.param(
        UNCLOSED_NAME,
        [("新疆维吾尔自治区实施〈公共机构节能条例〉办法", A(10), None, None)],
        id="unclosed-name",
    ),
    pytest.param(WRITTEN_TWICE, [("住宅室内装饰装修管理办法", A(38), None, None)], id="written-twice"),
    pytest.param(SPACED_TAG, [(STATS, A(45), None, None)], id="spaced-tag"),
    pytest.param(
        TWO_LAWS_ONE_LINE,
        [(PENALTY, A(n), None, None) for n in (54, 55, 57, 58, 59)]
        + [("旧电器电子产品流通管理办法", A(5), None, None)],
        id="tag-mid-line",
    ),
]


@pytest.mark.parametrize(("cell", "expected"), REAL_CASES)
def test_real_cells(cell: str, expected: list[tuple[str, ArticleNo | None, int | None, int | None]]) -> None:
    assert tuples(parse_cell(cell)) == expected


# ----- adapted: forms the eleven workbooks do not happen to use -----

ADAPTED_CASES = [
    pytest.param(
        "【法律】《中华人民共和国刑法》第一百三十四条之一",
        [(f"{PRC}刑法", A(134, 1), None, None)],
        id="zhi-yi",
    ),
    pytest.param(
        "【法律】《中华人民共和国刑法》第一百三十三条之一至第一百三十五条",
        [
            (f"{PRC}刑法", A(133, 1), None, None),
            (f"{PRC}刑法", A(134), None, None),
            (f"{PRC}刑法", A(135), None, None),
        ],
        id="range-from-zhi-yi",
    ),
    pytest.param(
        "【法律】《中华人民共和国行政许可法》第30条、第３４条第2款",
        [(XUKE, A(30), None, None), (XUKE, A(34), 2, None)],
        id="arabic-and-full-width-digits",
    ),
    pytest.param(
        "《中华人民共和国行政许可法》第二十九至三十一条",
        [(XUKE, A(n), None, None) for n in (29, 30, 31)],
        id="short-range",
    ),
    pytest.param(
        "【法律】《中华人民共和国农产品质量安全法》第五十条第一款、第四款和第五十一条",
        [
            (f"{PRC}农产品质量安全法", *sub)
            for sub in ((A(50), 1, None), (A(50), 4, None), (A(51), None, None))
        ],
        id="paragraphs-then-article",
    ),
    pytest.param(
        "【法律】《中华人民共和国行政许可法》(2019年4月23日修正)第三十条,第三十四条:申请人……",
        [(XUKE, A(30), None, None), (XUKE, A(34), None, None)],
        id="half-width-punctuation",
    ),
    pytest.param("依据：《中华人民共和国行政许可法》第三十条", [(XUKE, A(30), None, None)], id="yiju-prefix"),
    pytest.param(
        "1.《中华人民共和国行政许可法》第三十条\n2.《中华人民共和国行政处罚法》第五十四条",
        [(XUKE, A(30), None, None), (PENALTY, A(54), None, None)],
        id="numbered-1.",
    ),
    pytest.param(
        "（1）【法律】《中华人民共和国行政许可法》第三十条\n（2）【法律】《中华人民共和国行政处罚法》第五十四条",
        [(XUKE, A(30), None, None), (PENALTY, A(54), None, None)],
        id="numbered-(1)",
    ),
    pytest.param(
        "①《中华人民共和国行政许可法》第三十条\n②《中华人民共和国行政处罚法》第五十四条",
        [(XUKE, A(30), None, None), (PENALTY, A(54), None, None)],
        id="numbered-circled",
    ),
    pytest.param(
        "【法规】植物检疫条例第三条", [("植物检疫条例", A(3), None, None)], id="name-without-brackets"
    ),
    pytest.param(
        "《中华人民共和国行政许可法（2019年修正）》第三十条",
        [(XUKE, A(30), None, None)],
        id="revision-inside-brackets",
    ),
    pytest.param(
        "【法规】《城市市容和环境卫生管理条例》第三十三条：“依照《中华人民共和国广告法》第五十五条处罚。”"
        "《中华人民共和国行政处罚法》第五十四条",
        [("城市市容和环境卫生管理条例", A(33), None, None), (PENALTY, A(54), None, None)],
        id="citation-after-closing-quote",
    ),
]


@pytest.mark.parametrize(("cell", "expected"), ADAPTED_CASES)
def test_adapted_forms(
    cell: str, expected: list[tuple[str, ArticleNo | None, int | None, int | None]]
) -> None:
    assert tuples(parse_cell(cell)) == expected


# ----- the other fields -----


def test_fields_of_a_citation() -> None:
    result = parse_cell(FISHERY)
    first, second = result.citations
    assert first.level_tag == "法律"
    assert first.revision_note == "（1986年1月20日主席令第三十四号，2013年12月28日予以修改）"
    assert first.raw == "第四十五条" and FISHERY[slice(*first.span)] == "第四十五条"
    assert second.raw == "第四十八条第一款"
    assert FISHERY[slice(*second.law_span)] == "《中华人民共和国渔业法》"
    assert first.quoted_text is not None and first.quoted_text.startswith("未经批准在水产种质资源保护区内")
    assert second.quoted_text is not None and second.quoted_text.endswith("作出规定的除外。")
    assert result.problems == []


def test_level_tags_as_written() -> None:
    tags = [c.level_tag for c in parse_cell(INLINE_LISTS).citations]
    assert tags == ["法律"] * 5 + ["法规"] * 2 + ["规章"]
    assert {c.level_tag for c in parse_cell(SPACED_TAG).citations} == {"法律"}
    assert {c.level_tag for c in parse_cell(UNTAGGED).citations} == {None}
    assert parse_cell("【行政法规】《植物检疫条例》第三条").citations[0].level_tag == "行政法规"


def test_document_number_in_brackets_is_not_a_tag() -> None:
    # 新政发【2020】53号 sits inside the revision note; the level stays 法规.
    (citation,) = parse_cell(TEXT_BEFORE_ARTICLE).citations
    assert citation.level_tag == "法规"
    assert citation.revision_note == "（新政发【2020】53号）"


def test_quote_marks_are_stripped_and_the_quote_is_not_parsed() -> None:
    first, _ = parse_cell(QUOTE_MARKS_AND_INLINE_TAG).citations
    assert first.quoted_text is not None
    assert first.quoted_text.startswith("按国家行政建制") and first.quoted_text.endswith("饲养的除外。")
    assert first.level_tag == "部令"


def test_chapters_are_kept() -> None:
    citations = parse_cell(CHAPTERS).citations
    assert [c.chapter for c in citations] == [5, 6, 7]
    assert all(c.raw == "第五章、第六章、第七章" for c in citations)


def test_revision_note_inside_brackets_is_moved() -> None:
    (citation,) = parse_cell("《中华人民共和国行政许可法（2019年修正）》第三十条").citations
    assert citation.revision_note == "（2019年修正）"
    # (试行) and (2017年本) are part of a title, not a revision.
    assert (
        parse_cell("《政府核准的投资项目目录（2017年本）》").citations[0].law_name
        == "政府核准的投资项目目录（2017年本）"
    )


def test_hard_wrapped_note_is_kept() -> None:
    (first, *_) = parse_cell(HARD_WRAPPED).citations
    assert first.revision_note is not None and first.revision_note.startswith("（1983年12月8日由第六届")


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        pytest.param(NO_OPENING_BRACKET, "》 at offset 53 has no opening 《", id="no-opening"),
        pytest.param(PAREN_FOR_BRACKET, "》 at offset 13 has no opening 《", id="paren-for-bracket"),
        pytest.param(
            "【法律】《中华人民共和国行政许可法\n第三十条",
            "《…》 has no closing 》 at offset 4",
            id="no-closing",
        ),
        pytest.param(
            "【法律】《中华人民共和国民法典》第五十条至第二百条",
            f"range 第五十条至第二百条 at offset 16 spans more than {MAX_RANGE} articles; only its ends were taken",
            id="range-too-wide",
        ),
        pytest.param(
            "《中华人民共和国行政许可法》第三十条至第二十条",
            "range 第三十条至第二十条 at offset 14 runs backwards; only its ends were taken",
            id="range-backwards",
        ),
        pytest.param(UNCLOSED_NOTE, "revision note （ at offset 15 has no closing ）", id="unclosed-note"),
        pytest.param(
            DECIMAL_CLAUSE,
            "第4.3条 at offset 39 is not an article number (4.3 is not a numeral)",
            id="decimal",
        ),
        pytest.param(SLOPPY_LIST, "三十二条 at offset 122 lacks 第; read as 第三十二条", id="lacks-di"),
        pytest.param(SLOPPY_LIST, "第三十八 at offset 139 lacks 条; read as 第三十八条", id="lacks-tiao"),
        pytest.param(DOUBLE_CLOSE, "stray 》 at offset 17 after 《…》 at offset 4", id="stray-close"),
        pytest.param(
            DOUBLE_CLOSE,
            "《…》 at offset 126 is followed by a second 》 at offset 143; read as one name",
            id="second-close",
        ),
        pytest.param(WRITTEN_TWICE, "《…》 at offset 4 is written twice; read once", id="written-twice"),
        pytest.param(
            "同上",
            "同上 at offset 0 refers to another cell; no citation was taken from it",
            id="same-as-above",
        ),
        pytest.param(
            "【法规】《工伤保险条例》\n    第六一条：从事劳动能力鉴定的组织或者个人有下列情形之一的",
            "第六一条 at offset 17: '六一' is not a numeral (two digits in a row)",
            id="bad-numeral",
        ),
    ],
)
def test_problems_are_precise(cell: str, problem: str) -> None:
    assert problem in parse_cell(cell).problems


def test_range_too_wide_keeps_its_ends() -> None:
    result = parse_cell("【法律】《中华人民共和国民法典》第五十条至第二百条")
    assert [c.article for c in result.citations] == [A(50), A(200)]


def test_clean_cells_have_no_problems() -> None:
    for cell in (FISHERY, OTHER_LAW_IN_QUOTE, RANGES, HARD_WRAPPED, ITEM_RANGE, CHAPTERS, DUTY_TEXT):
        assert parse_cell(cell).problems == []


def test_normalize_law_name() -> None:
    assert normalize_law_name("《 中华\n人民共和国行政许可法》（2019年4月23日修正）") == XUKE
    assert normalize_law_name("行政许可法") == "行政许可法"
    assert (
        normalize_law_name("《新疆维吾尔自治区实施<公共机构节能条例>办法》")
        == "新疆维吾尔自治区实施〈公共机构节能条例〉办法"
    )
    assert normalize_law_name("单用途商业预付卡管理办法(试行)") == "单用途商业预付卡管理办法（试行）"
    assert normalize_law_name("中华人民共和国行政许可法（2019年修正）") == XUKE


# ----- resolution -----


class FakeLookup:
    """Laws by corpus name (without 中华人民共和国, as the corpus files them); the ref is the name."""

    def __init__(self, laws: dict[str, dict[ArticleNo, str]]) -> None:
        self.laws = laws

    def law(self, name: str, /) -> str | None:
        return name if name in self.laws else None

    def has_article(self, law_ref: str, article: ArticleNo, /) -> bool:
        return article in self.laws[law_ref]

    def article_text(self, law_ref: str, article: ArticleNo, /) -> str | None:
        return self.laws[law_ref].get(article)


LOOKUP = FakeLookup(
    {
        "行政许可法": {A(30): "行政机关应当将法律、法规、规章规定的有关行政许可的事项……", A(34): "……"},
        "行政处罚法": {A(54): "……"},
        "刑法": {A(134, 1): "……"},
        "植物检疫条例": {A(3): "……"},
    }
)


def only(cell: str) -> Citation:
    (citation,) = parse_cell(cell).citations
    return citation


def test_resolve_found() -> None:
    resolution = resolve(only("【法律】《中华人民共和国行政许可法》第三十条"), LOOKUP)
    assert resolution.outcome == "found" and resolution.law_ref == "行政许可法"
    assert resolve(only("【法律】《中华人民共和国刑法》第一百三十四条之一"), LOOKUP).outcome == "found"
    assert resolve(only("【法规】《植物检疫条例》第三条"), LOOKUP).outcome == "found"


def test_resolve_article_missing_is_an_error_naming_the_article() -> None:
    resolution = resolve(only("【法律】《中华人民共和国行政许可法》第九百条"), LOOKUP)
    assert resolution.outcome == "article_missing" and resolution.law_ref == "行政许可法"
    assert "第九百条" in resolution.message and "current version" in resolution.message


def test_resolve_law_not_in_corpus_is_a_warning_not_invalid() -> None:
    resolution = resolve(only(UNCLOSED_NAME), LOOKUP)
    assert resolution.outcome == "law_not_in_corpus" and resolution.law_ref is None
    assert "not in the corpus" in resolution.message
    assert "invalid" not in resolution.message.lower()


def test_resolve_no_article() -> None:
    assert (
        resolve(only("【法律】《中华人民共和国行政许可法》（2019年修正）\n全文适用"), LOOKUP).outcome
        == "no_article"
    )
    chapter = parse_cell(CHAPTERS).citations[0]
    resolution = resolve(chapter, LOOKUP)
    assert resolution.outcome == "no_article" and "第五章" in resolution.message


def test_resolve_normalises_a_hand_made_citation() -> None:
    citation = Citation(
        level_tag=None,
        law_name="《中华人民共和国 行政许可法》（2019年4月23日修正）",
        revision_note=None,
        article=A(34),
        paragraph=None,
        item=None,
        quoted_text=None,
        span=(0, 0),
        raw="",
    )
    assert resolve(citation, LOOKUP).outcome == "found"


def test_summarize() -> None:
    citations = parse_cell(
        "【法律】《中华人民共和国行政许可法》第三十条、第九百条\n【规章】《导游管理办法》第三十二条\n"
        "【法律】《中华人民共和国行政处罚法》\n    第五章"
    ).citations
    assert summarize(resolve(c, LOOKUP) for c in citations) == {
        "found": 1,
        "article_missing": 1,
        "law_not_in_corpus": 1,
        "no_article": 1,
    }
    assert summarize([]) == {"found": 0, "article_missing": 0, "law_not_in_corpus": 0, "no_article": 0}


# ----- fuzzing: never raises, spans always point into the cell -----

ALPHABET = list(
    "【】《》〈〉<>（）()“”第条款项目章之至到—、，,；;：:。. 　\n"
    "一二三四五六七八九十百千万两〇零0123456789０１２同上依据①附件法律规章全文适用"
)
NO_LAWS = FakeLookup({})


class EveryLaw:
    """Has every law and no article, so that resolve() formats every citation it is given."""

    def law(self, name: str, /) -> str:
        return name

    def has_article(self, law_ref: str, article: ArticleNo, /) -> bool:
        return False

    def article_text(self, law_ref: str, article: ArticleNo, /) -> str | None:
        return None


def check_invariants(text: str) -> None:
    result = parse_cell(text)
    assert all(isinstance(problem, str) for problem in result.problems)
    for citation in result.citations:
        start, end = citation.span
        assert 0 <= start <= end <= len(text)
        assert citation.raw == text[start:end]
        law_start, law_end = citation.law_span
        assert 0 <= law_start <= law_end <= len(text)
        assert citation.law_name
        for lookup in (NO_LAWS, EveryLaw()):
            assert resolve(citation, lookup).message


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text())
def test_fuzz_any_text(text: str) -> None:
    check_invariants(text)


@FUZZ
@given(st.text(alphabet=ALPHABET, max_size=160))
def test_fuzz_citation_characters(text: str) -> None:
    check_invariants(text)


REAL_CELLS = [str(case.values[0]) for case in REAL_CASES]


@FUZZ
@given(
    st.sampled_from(REAL_CELLS),
    st.lists(
        st.tuples(st.integers(0, 2_000), st.integers(0, 6), st.text(alphabet=ALPHABET, max_size=6)),
        max_size=8,
    ),
)
def test_fuzz_mutated_real_cells(cell: str, edits: list[tuple[int, int, str]]) -> None:
    for position, deleted, inserted in edits:
        at = position % (len(cell) + 1)
        cell = cell[:at] + inserted + cell[at + deleted :]
    check_invariants(cell)


@pytest.mark.parametrize(
    "text",
    [
        "《X》第" + "万" * 3_000 + "条",  # numerals.parse_number recurses once per 万
        "【法律】《X》第12345条、第99999款",  # to_chinese stops at 9,999
        "【法律】《X》第一条、123456条",
        "《" * 5_000,
        "【法律】" * 5_000,
        "【法律】《X》（" + "（" * 5_000,
        "【法律】《X》\n" + "第一条：文字\n" * 2_000,
    ],
)
def test_pathological_cells(text: str) -> None:
    check_invariants(text)


# ----- the real workbooks -----


def workbook_sheets(path: Path) -> list[list[list[str]]]:
    """Every sheet as rows of cell strings, for .xls (xlrd) and .xlsx (openpyxl)."""
    if path.suffix == ".xls":
        xlrd = pytest.importorskip("xlrd", reason="xlrd reads the .xls workbooks")
        book = xlrd.open_workbook(str(path))
        return [
            [[str(cell.value) for cell in sheet.row(index)] for index in range(sheet.nrows)]
            for sheet in book.sheets()
        ]
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl reads the .xlsx workbooks")
    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        return [
            [
                ["" if value is None else str(value) for value in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in book.worksheets
        ]
    finally:
        book.close()


def basis_columns(rows: list[list[str]]) -> tuple[int, dict[int, str]] | None:
    """The header row (title rows come first) and its 依据 columns: 实施依据, 责任事项依据."""
    for number, row in enumerate(rows[:8]):
        # A header is short; a data cell that mentions 依据 in a sentence is not one.
        headers = {index: re.sub(r"\s", "", value) for index, value in enumerate(row)}
        columns = {index: head for index, head in headers.items() if "依据" in head and len(head) <= 10}
        if columns:
            return number, columns
    return None


def basis_cells(path: Path) -> list[tuple[str, str]]:
    """(column header, cell) for every non-empty cell in a 依据 column of every sheet."""
    cells: list[tuple[str, str]] = []
    for rows in workbook_sheets(path):
        found = basis_columns(rows)
        if found is None:
            continue
        header_row, columns = found
        for data in rows[header_row + 1 :]:
            for index, head in columns.items():
                if index < len(data) and data[index].strip():
                    cells.append((head, data[index]))
    return cells


@pytest.fixture(scope="module")
def workbooks() -> dict[str, list[tuple[str, str]]]:
    if not LISTS.is_dir():
        pytest.skip(
            f"real 权责清单 workbooks not found at {LISTS} (they live in shared/data, beside the repo)"
        )
    return {
        path.name: basis_cells(path) for path in sorted(LISTS.iterdir()) if path.suffix in (".xls", ".xlsx")
    }


def test_every_real_cell(workbooks: dict[str, list[tuple[str, str]]]) -> None:
    totals: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    print()
    for name, cells in workbooks.items():
        counts: Counter[str] = Counter()
        for head, cell in cells:
            result = parse_cell(cell)
            counts["cells"] += 1
            counts["citations"] += len(result.citations)
            counts["with problems"] += bool(result.problems)
            kinds.update(
                re.sub(r"\d+", "N", problem.split(" at offset")[0][:40]) for problem in result.problems
            )
            if "《" not in cell:
                continue
            counts["cells with 《"] += 1
            counts["with an article"] += any(c.article is not None for c in result.citations)
            counts["located"] += any(
                c.article is not None or c.chapter is not None or c.item is not None for c in result.citations
            )
            if head == "实施依据":
                counts["实施依据 with 《"] += 1
                counts["实施依据 with an article"] += any(c.article is not None for c in result.citations)
        print(f"{name}: {dict(counts)}")
        totals += counts
    print(f"all: {dict(totals)}")
    print(f"problem kinds: {kinds.most_common(8)}")
    assert totals["cells"] > 2_000
    # 责任事项依据 of every 行政处罚 cites 行政处罚法 第五章、第六章、第七章: located, but by chapter.
    assert totals["located"] >= 0.95 * totals["cells with 《"]
    assert totals["实施依据 with an article"] >= 0.95 * totals["实施依据 with 《"]


def test_cited_laws_are_in_the_corpus(workbooks: dict[str, list[tuple[str, str]]]) -> None:
    """Names only: db.sqlite3 lists the corpus's laws (without 中华人民共和国), not their articles."""
    if not LAW_DB.is_file():
        pytest.skip(f"law corpus database not found at {LAW_DB}")
    with closing(sqlite3.connect(f"file:{LAW_DB}?mode=ro", uri=True)) as connection:
        corpus = {normalize_law_name(name) for (name,) in connection.execute("SELECT name FROM law")}

    class NamesOnly:
        def law(self, name: str, /) -> str | None:
            return name if name in corpus else None

        def has_article(self, law_ref: str, article: ArticleNo, /) -> bool:
            return True

        def article_text(self, law_ref: str, article: ArticleNo, /) -> str | None:
            return None

    cited: dict[str, Citation] = {}
    for cells in workbooks.values():
        for _, cell in cells:
            for citation in parse_cell(cell).citations:
                if citation.level_tag == "法律":
                    cited.setdefault(citation.law_name, citation)
    missing = sorted(
        name
        for name, citation in cited.items()
        if resolve(citation, NamesOnly()).outcome == "law_not_in_corpus"
    )
    print(f"\n{len(cited) - len(missing)} of {len(cited)} 【法律】 names found; not found: {missing}")
    assert len(cited) > 50
    assert len(cited) - len(missing) >= 0.8 * len(cited)
