"""The Chinese finance world: the English demo's world, with Chinese sectors, names and news words.

Same shape as `vertical.demo.world` (eight sectors, companies with a ticker, city, chief
executive, products, subsidiaries, and invented trade terms per sector), built from the same
dataclasses. Names are invented from characters drawn at random, so no text a base model was
trained on mentions them. Many of the characters (瀚, 璟, 险, 营 ...) are ones an English-first
base tokenizer maps to ``[UNK]``: the tokenizer stage has to make them visible.
"""

from __future__ import annotations

import random

from vertical.demo.world import Company, Sector, World

SECTORS_ZH: tuple[Sector, ...] = (
    Sector(
        "银行",
        "银行",
        ("信用卡", "储蓄账户", "按揭贷款"),
        ("贷款规模扩大", "网点存款增加", "净息差走阔", "对小企业收紧放贷", "房贷审批回暖"),
    ),
    Sector(
        "保险",
        "保险公司",
        ("寿险保单", "家财险", "车险保单"),
        ("风灾赔付减少", "保费收入增加", "承保利润改善", "续保率提高", "巨灾损失拖累准备金"),
    ),
    Sector(
        "半导体",
        "芯片制造商",
        ("处理器", "存储芯片", "图形芯片"),
        ("晶圆厂满负荷运转", "晶圆需求强劲", "制程升级到更小节点", "代工订单翻倍", "晶体管出货创新高"),
    ),
    Sector(
        "医药",
        "药企",
        ("疫苗", "抗生素", "抗癌药"),
        (
            "临床试验达到主要终点",
            "监管机构审评其新化合物",
            "受试患者反应良好",
            "研发管线扩充",
            "分子专利到期",
        ),
    ),
    Sector(
        "能源",
        "石油公司",
        ("原油", "柴油", "天然气合同"),
        ("油田产量上升", "炼厂利润率走高", "勘探发现新油藏", "管道输送量增加", "钻井平台复工"),
    ),
    Sector(
        "零售",
        "零售商",
        ("自有品牌", "会员卡", "网上商城"),
        ("门店客流回升", "同店销售增长", "线上订单激增", "库存周转加快", "节日促销带动销量"),
    ),
    Sector(
        "航空",
        "航空公司",
        ("远程航线", "常旅客计划", "公务舱"),
        ("客座率提高", "新开国际航线", "燃油成本下降", "机队规模扩大", "准点率改善"),
    ),
    Sector(
        "软件",
        "软件公司",
        ("云平台", "数据库", "办公套件"),
        ("订阅收入增长", "企业客户续约", "新版本发布顺利", "开发者生态扩大", "云服务需求旺盛"),
    ),
)
# Name characters: common ones and rarer ones that English-first vocabularies lack.
_NAME_CHARS = "瀚翎璟煜琮骐珩钜赟鑫泓祺昶晟琨瑄濠岚峤湛涵麒骏铂锐璞琦焱淼垚犇磊鹏曦昊旻烨嵘钊锟"
_TERM_CHARS = "险营收债券贷储汇盈息融募蓄赁兑贴押筹拓璟瀚"
_SUFFIXES = ("集团", "控股", "股份", "科技", "实业")
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"


def _invented(rng: random.Random, chars: str, length: int) -> str:
    return "".join(rng.choice(chars) for _ in range(length))


def _unique(rng: random.Random, make, taken: set[str]) -> str:
    while True:
        candidate = make(rng)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def build_world_zh(
    seed: int = 0, companies_per_sector: int = 12, number_of_cities: int = 16, terms_per_sector: int = 4
) -> World:
    """Generate the Chinese fictional world (arguments as `vertical.demo.world.build_world`)."""
    rng = random.Random(seed)
    taken: set[str] = set()
    cities = [
        _unique(rng, lambda r: _invented(r, _NAME_CHARS, 2) + "市", taken) for _ in range(number_of_cities)
    ]
    tickers: set[str] = set()
    companies: list[Company] = []
    for sector in SECTORS_ZH:
        for _ in range(companies_per_sector):
            stem = _unique(rng, lambda r: _invented(r, _NAME_CHARS, 2), taken)
            name = f"{stem}{rng.choice(_SUFFIXES)}"
            ticker = _unique(rng, lambda r: f"{r.choice('036')}{r.randint(0, 99999):05d}", tickers)
            ceo = _unique(rng, lambda r: r.choice(_SURNAMES) + _invented(r, _NAME_CHARS, 2), taken)
            products = [
                _unique(rng, lambda r: _invented(r, _NAME_CHARS, 2), taken) + kind
                for kind in rng.sample(sector.product_kinds, 2)
            ]
            subsidiaries = []
            if rng.random() < 0.4:
                subsidiaries.append(_unique(rng, lambda r: _invented(r, _NAME_CHARS, 2), taken) + stem)
            companies.append(Company(name, ticker, sector, rng.choice(cities), ceo, products, subsidiaries))
    jargon = {
        sector.name: [
            _unique(rng, lambda r: _invented(r, _TERM_CHARS, 2), taken) for _ in range(terms_per_sector)
        ]
        for sector in SECTORS_ZH
    }
    return World(companies=companies, cities=cities, seed=seed, jargon=jargon)
