"""Generated names for fictional demo staff: deterministic, and never a listed real person's name."""

from __future__ import annotations

import hashlib

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国志强海燕丽娟晓明文华春梅永红玉兰振宇思远雨桐子涵浩然欣怡俊杰佳琪嘉怡伟明慧敏秀英立新卫东桂芳淑珍宏伟晓燕丹阳瑞雪晨曦博文一鸣书航若曦"
# Names of real people that the seed report names: never generated.
AVOID = frozenset({"张璞", "蓝佛安", "金湘军", "商黎光", "项洁"})


def fictional_name(key: str) -> str:
    """A plausible two- or three-character name derived from `key` (same key, same name)."""
    salt = 0
    while True:
        digest = hashlib.sha256(f"{key}/{salt}".encode()).digest()
        surname = SURNAMES[digest[0] % len(SURNAMES)]
        first = GIVEN[digest[1] % len(GIVEN)]
        second = GIVEN[digest[2] % len(GIVEN)] if digest[3] % 3 else ""
        name = surname + first + second
        if name not in AVOID and first != second:
            return name
        salt += 1


def fictional_mobile(key: str) -> str:
    """A demo mobile number, always in the one block 134-0000-xxxx."""
    digest = hashlib.sha256(f"mobile/{key}".encode()).digest()
    return "1340000" + f"{int.from_bytes(digest[:4], 'big') % 10000:04d}"
