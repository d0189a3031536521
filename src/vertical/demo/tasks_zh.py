"""The two labelled tasks of the Chinese world, as `vertical.demo.tasks` builds them in English.

* **sector**: which sector is this news about? Test companies and trade terms never occur in
  training, so only knowledge of the world (from the corpus) answers it.
* **sentiment**: positive, negative or neutral headline; plain language cues.
"""

from __future__ import annotations

from vertical.demo.tasks import Phrasebook, sector_task, sentiment_task
from vertical.demo.world import World
from vertical.records import Example

_SECTOR_NEUTRAL = (
    "{name}{term}业务量上升。",
    "{term}数据公布后，{name}股价{day}变动{pct}%。",
    "分析师质疑{name}的{term}前景。",
    "{name}任命新的{term}负责人。",
    "{ticker}因{term}消息{day}上涨。",
    "{name}计划出售部分{term}业务。",
    "{ceo}称{term}是{name}今年的重点。",
    "{name}于{month}重组{term}部门。",
    "投资者权衡{name}的{term}数据。",
    "{name}确认就{term}业务进行洽谈。",
    "{name}的{ceo}预计{term}将增长。",
    "{name}将于{month}公布{term}业绩。",
)
_POSITIVE = (
    "{name}利润创新高，股价大涨",
    "{name}业绩超预期并上调全年指引",
    "{name}赢得大额合同，股价跳升",
    "评级上调推动{name}创年内新高",
    "{name}增长强劲并提高分红",
    "需求旺盛，{name}利润激增",
)
_NEGATIVE = (
    "{name}发布盈利预警，股价暴跌",
    "{name}业绩不及预期并下调指引",
    "{name}因会计差错遭起诉",
    "评级下调令{name}跌至年内新低",
    "{name}亏损扩大，大幅削减分红",
    "监管机构因误导投资者对{name}处以罚款",
)
_NEUTRAL = (
    "{name}将于{month}召开年度股东大会",
    "{name}定于{day}召开业绩电话会",
    "{name}确认董事会成员不变",
    "{name}发布年度报告",
    "{name}将于{month}出席行业会议",
    "{name}提交例行季度报告",
)
_DAYS = ("周一", "周二", "周三", "周四", "周五")
_MONTHS = ("二月", "四月", "六月", "八月", "十月", "十二月")


CHINESE = Phrasebook(_SECTOR_NEUTRAL, _POSITIVE, _NEGATIVE, _NEUTRAL, _DAYS, _MONTHS)


def sector_task_zh(
    world: World, sentences_per_company: int = 10, test_fraction: float = 1 / 3, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Train and test examples, split by company and by trade term (first half of terms: train)."""
    return sector_task(world, sentences_per_company, test_fraction, seed, CHINESE)


def sentiment_task_zh(
    world: World, number_of_examples: int = 1200, test_fraction: float = 0.25, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Train and test headlines labelled positive, negative or neutral."""
    return sentiment_task(world, number_of_examples, test_fraction, seed, CHINESE)
