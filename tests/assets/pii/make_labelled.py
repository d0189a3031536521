# ruff: noqa: E501 - template sentences read better on one line
"""Writes labelled.jsonl: the labelled personal-data test set (English and Chinese, with hard negatives).

Run from this folder: ``python make_labelled.py``. Each line is
``{"lang": "en"|"zh", "text": ..., "pii": [[TYPE, value], ...]}``; a line with an empty list is a
negative (order numbers, dates, prices, tickers, invoice numbers, near-miss numbers with a wrong
checksum). Values are drawn at random in the formats people write them in, and the valid ones
are built from the standards (Luhn, ISO 7064 MOD 11-2, ISO 13616 mod 97), independently of the
detectors under test. The file is committed; this script documents how it was made.
"""

from __future__ import annotations

import json
import random

rng = random.Random(20261122)

# ---------------------------------------------------------------- values


def luhn_complete(prefix_and_body: str) -> str:
    digits = [int(d) for d in prefix_and_body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return prefix_and_body + str((10 - total % 10) % 10)


def card(valid: bool = True) -> str:
    kind = rng.choice(["visa", "mc", "amex", "unionpay", "discover", "visa"])
    prefix, length = {
        "visa": ("4", 16), "mc": (str(rng.randint(51, 55)), 16), "amex": (rng.choice(["34", "37"]), 15),
        "unionpay": ("62", rng.choice([16, 19])), "discover": ("6011", 16),
    }[kind]  # fmt: skip
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    number = luhn_complete(body)
    if not valid:
        number = number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)
    style = rng.choice(["plain", "space", "dash", "space"])
    if kind == "amex" and style != "plain":
        sep = " " if style == "space" else "-"
        return f"{number[:4]}{sep}{number[4:10]}{sep}{number[10:]}"
    if style == "plain" or len(number) == 19:
        return number
    sep = " " if style == "space" else "-"
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


REGIONS = ["110105", "310104", "440305", "330106", "510107", "420111", "320102", "610113", "370202", "210203"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_cn(valid: bool = True) -> str:
    year, month, day = rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)
    first17 = f"{rng.choice(REGIONS)}{year}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    if not valid:
        check = rng.choice([c for c in "0123456789X" if c != check])
    return first17 + check


IBAN_LAYOUTS = {
    "DE": "8n10n",
    "GB": "4a14n",
    "FR": "10n11c2n",
    "NL": "4a10n",
    "ES": "20n",
    "IT": "1a10n12c",
    "CH": "5n12c",
}


def iban(valid: bool = True, grouped: bool | None = None) -> str:
    country = rng.choice(list(IBAN_LAYOUTS))
    bban = ""
    layout = IBAN_LAYOUTS[country]
    i = 0
    while i < len(layout):
        j = i
        while layout[j].isdigit():
            j += 1
        count, kind = int(layout[i:j]), layout[j]
        pool = {
            "n": "0123456789",
            "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        }[kind]
        bban += "".join(rng.choice(pool) for _ in range(count))
        i = j + 1
    numeric = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    check = 98 - numeric % 97
    if not valid:
        check = (check + rng.randint(1, 50)) % 97 + 2
    number = f"{country}{check:02d}{bban}"
    if grouped is None:
        grouped = rng.random() < 0.6
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if grouped else number


def ssn() -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def ipv4() -> str:
    first = rng.choice([10, 172, 192, 8, 45, 101, 203, 118, 59])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6() -> str:
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    style = rng.choice(["full", "compressed", "link"])
    if style == "full":
        return ":".join(groups)
    if style == "link":
        return "fe80::" + ":".join(groups[:4])
    return "2001:db8:" + groups[2] + "::" + groups[7]


FIRST = ["john", "mary", "alex", "priya", "li.na", "wei", "sofia", "omar", "chen", "emma", "david", "yuki"]
LAST = ["smith", "zhang", "garcia", "wang", "brown", "li", "kumar", "liu", "martin", "chen"]
DOMAINS = [
    "example.com",
    "bank.co.uk",
    "mail.example.org",
    "163.com",
    "qq.com",
    "sina.com.cn",
    "corp-fin.com",
    "gmail.com",
]


def email() -> str:
    style = rng.randint(0, 4)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = [f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}",
             f"{first}+news", str(rng.randint(10000000, 999999999))][style]  # fmt: skip
    return f"{local}@{rng.choice(DOMAINS)}"


def phone_en() -> str:
    area, exchange, line = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    return rng.choice([
        f"({area}) {exchange}-{line:04d}", f"{area}-{exchange}-{line:04d}", f"{area}.{exchange}.{line:04d}",
        f"+1 {area} {exchange} {line:04d}", f"+44 20 {rng.randint(7000, 8999)} {rng.randint(1000, 9999)}",
        f"+49 30 {rng.randint(100000, 999999)}", f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} "
        f"{rng.randint(10, 99)} {rng.randint(10, 99)}", f"+61 2 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
    ])  # fmt: skip


def phone_zh() -> str:
    mobile = f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
    area = rng.choice(["010", "021", "0755", "0571", "028", "027"])
    local = f"{rng.randint(2000, 8999)}{rng.randint(0, 9999):04d}"
    return rng.choice([
        mobile, mobile, f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        f"+86 {mobile}", f"+86-{mobile}", f"{area}-{local}", f"({area}){local}", f"{area}-{local[:4]} {local[4:]}",
    ])  # fmt: skip


def url_credentials() -> str:
    scheme = rng.choice(["https", "ftp", "postgres", "mongodb+srv", "redis", "mysql"])
    user = rng.choice(["admin", "deploy", "svc_report", "root", "etl"])
    secret = "".join(
        rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789!$") for _ in range(rng.randint(8, 14))
    )
    host = rng.choice(
        ["db.internal.example.com", "10.2.3.4:5432", "files.example.org", "cache.example.net:6379"]
    )
    path = rng.choice(["", "/reports", "/prod?ssl=true", "/data/2024"])
    return f"{scheme}://{user}:{secret}@{host}{path}"


# ---------------------------------------------------------------- sentences

EN = {
    "EMAIL": [
        "Please send the signed statement to {v} before Friday.",
        "Contact: {v}",
        "Reply to {v} if your card was declined.",
        "The complaint came from {v}, who asked about overdraft fees.",
        "CC {v} on the loan file.",
    ],
    "PHONE": [
        "Call our advisor at {v} to reschedule.",
        "Customer phone: {v}",
        "If the wire fails, ring {v} and ask for Dana.",
        "He left a voicemail from {v} about the mortgage.",
        "Tel {v} (mobile)",
    ],
    "ID_CN": [
        "The applicant's Chinese ID number is {v}.",
        "Resident ID {v} was scanned at the branch.",
        "Verify PRC identity card {v} against the passport.",
    ],
    "CARD": [
        "Charge it to card {v}, expiry 09/27.",
        "The customer read out {v} over the phone.",
        "Card number: {v}",
        "A refund was issued to {v} yesterday.",
    ],
    "IBAN": ["Wire the deposit to IBAN {v}.", "Beneficiary account {v}, BIC DEUTDEFF.", "IBAN: {v}"],
    "IP": [
        "Login attempt from {v} was blocked.",
        "The API server at {v} timed out.",
        "Source IP {v} flagged by fraud rules.",
    ],
    "SSN": [
        "Her SSN is {v} according to the W-2.",
        "SSN: {v}",
        "The form listed social security number {v}.",
    ],
    "URL_CREDENTIALS": [
        "The nightly job connects to {v} every hour.",
        "Leaked config: {v}",
        "Use {v} to pull the statements.",
    ],
}
ZH = {
    "EMAIL": [
        "请把对账单发送到{v}，谢谢。",
        "联系邮箱：{v}",
        "客户{v}投诉信用卡年费问题。",
        "如有疑问请发邮件至 {v} 。",
    ],
    "PHONE": [
        "客户经理电话：{v}",
        "请拨打{v}联系理财顾问。",
        "他的手机号是{v}，请尽快回电。",
        "联系电话 {v}（工作日）",
        "如遇转账失败，请致电{v}。",
    ],
    "ID_CN": [
        "申请人身份证号码：{v}",
        "请核对身份证{v}与本人是否一致。",
        "客户的证件号为{v}，已完成实名认证。",
        "开户资料中身份证号 {v} 已扫描。",
    ],
    "CARD": [
        "请将款项转入银行卡{v}。",
        "信用卡号：{v}，有效期至2027年9月。",
        "客户报出的卡号是{v}。",
        "退款已原路退回至卡号 {v}",
    ],
    "IBAN": ["境外汇款账户 IBAN：{v}", "请汇至国际银行账号{v}。", "收款人IBAN为 {v} 。"],
    "IP": ["系统检测到来自{v}的异常登录。", "服务器地址 {v} 无法访问。", "风控记录的登录IP：{v}"],
    "SSN": ["美国客户的社会安全号为{v}。", "SSN：{v}"],
    "URL_CREDENTIALS": ["数据库连接串为{v}，请勿外传。", "配置文件泄露：{v}", "定时任务使用 {v} 拉取数据。"],
}
VALUE = {"EMAIL": email, "ID_CN": id_cn, "CARD": card, "IBAN": iban, "SSN": ssn,
         "IP": lambda: ipv4() if rng.random() < 0.65 else ipv6(), "URL_CREDENTIALS": url_credentials}  # fmt: skip

EN_NEGATIVES = [
    "Order #555-123-4567 shipped on 2024-03-15.",
    "Invoice INV-2024-000123 totals $12,345.67.",
    "AAPL closed at 189.23, up 1.2%; MSFT ended at 402.56.",
    "Tracking number 1Z999AA10123456784 was delivered.",
    "The meeting is at 10:30:45 on 03/04/2024.",
    "Version 2.4.1.7 fixes the rounding bug.",
    "The account balance is 4,111,111.11 USD.",
    "ISBN 978-3-16-148410-0 is on the reading list.",
    "Call-center hours are 9-5, Monday to Friday.",
    "Part number 123-45-67890 is back in stock.",
    "World population passed 8,000,000,000 in 2022.",
    "ZIP code 94105-1234 covers the financial district.",
    "Q3 revenue rose 12.5% to $4.21 billion.",
    "The bond yields 4.375% and matures on 2034-11-15.",
    "Reference 20240501-0042 was approved by the committee.",
    "Store #1024 sold 3,456 units at $19.99 each.",
    "Build 10.0.19041.1 was released in May.",
    "The ratio moved from 1.25 to 1.31 over 12 months.",
    "BRK.B and GOOGL led the S&P 500 gains today.",
    "Loan ID LN-7781-2290 was restructured in 2023.",
    "PO 4500012345 covers 250 laptops.",
    "The index closed at 38,654.42 points on 2024-02-29.",
    "Invoice no. 4111111111111111 refers to the old ledger.",
    "Order number: 4532015112830366",
    "Card ending in 4242 was used for the purchase.",
    "The SWIFT code DEUTDEFF identifies the bank.",
    "Serial 000-12-3456 is a test value, not an SSN.",
    "Form 666-12-3456 is a placeholder number.",
    "Sample 123-00-4567 appears in the template.",
    "The dataset has 16,384 rows and 1,024 columns.",
    "Temperature reached 37.5 degrees on 07/14/2023.",
    "Flight BA 286 departs at 14:35 from gate 22.",
    "Room 2101, 21st floor, 88 Queensway.",
    "The fund's NAV was 1.0873 on 31 Dec 2023.",
    "Margin calls rose 3x between 2020 and 2022.",
    "EUR/USD traded at 1.0921 at 09:00 GMT.",
    "The loan-to-value ratio is capped at 80%.",
    "See section 4.2.1 of the 2024 annual report.",
    "Ticket #7781-2290-3345 is closed.",
    "Interest of 5.25% applies from 2024-01-01 to 2024-12-31.",
    "A 30-year fixed mortgage at 6.8% costs $1,956 a month.",
    "Transaction 8734 5521 9087 3345 failed Luhn.",
    "The checksum of 1234567812345678 is wrong, so it is not a card.",
    "IBAN GB00 WEST 1234 5698 7654 32 fails mod 97.",
    "Vote count: 1,024,512 for, 998,310 against.",
    "Contact the help desk through the web portal.",
    "Shares fell 2.3 percent to 97.10 dollars.",
    "The model scored 0.953 accuracy on 1,200 examples.",
    "CUSIP 037833100 identifies Apple common stock.",
    "Please e-mail the team via the intranet form.",
    "Run 12:30:00 to 13:45:00 was the peak window.",
    "The release tag is v3.10.2.1.",
]
ZH_NEGATIVES = [
    "订单号：202405011234567890，已发货。",
    "发票号码 04400123456789012345，金额￥12,345.00。",
    "贵州茅台（600519.SH）收盘价1688.00元，上涨1.2%。",
    "合同编号HT-2024-0815已归档。",
    "会议定于2024年5月1日下午3点30分召开。",
    "快递单号SF1234567890123已签收。",
    "身份证号码校验失败：110105194912310021。",
    "电话号码不完整：1381234567。",
    "统一社会信用代码91110000100000000X已登记。",
    "银行卡尾号1234的客户已还款。",
    "价格为￥12,345.00元，同比增长12.5%。",
    "邮编100080位于海淀区。",
    "IP地址格式错误：256.1.1.1。",
    "版本号 1.2.3.4 修复了计算错误。",
    "腾讯控股（0700.HK）市值超过3万亿港元。",
    "本季度营收42.1亿元，净利润同比增长8.7%。",
    "第3季度不良贷款率为1.62%。",
    "流水号20240815093012345678已入账。",
    "上证指数收于3,052.37点。",
    "贷款年利率为3.45%，期限30年。",
    "人民币兑美元中间价报7.1065。",
    "订单编号4532015112830366已取消。",
    "卡号校验不通过：6222 0212 3456 7890 124。",
    "工号000123的员工已入职。",
    "房间号2101，位于21楼。",
    "2023年GDP增长5.2%。",
    "股票代码000001为平安银行。",
    "本次共发放1,200,000份问卷。",
    "航班CA1831于14:35起飞。",
    "报告第4.2.1节说明了风险敞口。",
    "基金净值为1.0873元（2023年12月31日）。",
    "客服热线请见官方网站。",
    "营业网点共有2,345个。",
    "批次号 2024-0501-0042 已审批。",
    "利息自2024-01-01起计算至2024-12-31。",
    "沪深300指数下跌0.8%。",
    "交易编号 8734 5521 9087 3345 校验失败。",
    "身份证号码不合法：440305200513320019。",
    "请通过官方渠道联系客服。",
    "该账户余额为4,111,111.11元。",
    "期货合约IF2406收于3,560.2点。",
    "债券代码019547为国债。",
    "项目编号PRJ-2024-118已结项。",
    "楼盘均价每平米65,000元。",
    "会员积分12,880分可兑换礼品。",
    "本次发行规模为50亿元，票面利率2.85%。",
    "样本量为16,384条。",
    "数据截至2024年6月30日。",
    "产品型号X-2000-PRO已停产。",
    "第12345号公告已发布。",
    "发票代码044001900111，发票号码12345678。",
    "测试账号SSN格式000-12-3456无效。",
]


def build() -> list[dict]:
    rows = []
    for lang, templates in (("en", EN), ("zh", ZH)):
        make_phone = phone_en if lang == "en" else phone_zh
        for kind, sentences in templates.items():
            count = 12 if kind != "SSN" or lang == "en" else 6
            for i in range(count):
                value = make_phone() if kind == "PHONE" else VALUE[kind]()
                rows.append(
                    {
                        "lang": lang,
                        "text": sentences[i % len(sentences)].format(v=value),
                        "pii": [[kind, value]],
                    }
                )
        for _ in range(22):  # two kinds in one line
            first, second = rng.sample([k for k in templates if k not in ("SSN",)], 2)
            values = []
            for kind in (first, second):
                values.append(make_phone() if kind == "PHONE" else VALUE[kind]())
            glue = " Also: " if lang == "en" else "另外："
            text = templates[first][0].format(v=values[0]) + glue + templates[second][1].format(v=values[1])
            rows.append({"lang": lang, "text": text, "pii": [[first, values[0]], [second, values[1]]]})
        for text in EN_NEGATIVES if lang == "en" else ZH_NEGATIVES:
            rows.append({"lang": lang, "text": text, "pii": []})
        for _ in range(8):  # near misses built from the standards: a wrong check digit
            kind = rng.choice(["CARD", "ID_CN", "IBAN"])
            value = {"CARD": card, "ID_CN": id_cn, "IBAN": iban}[kind](valid=False)
            text = f"Checksum test value {value} is invalid." if lang == "en" else f"校验失败的号码{value}。"
            rows.append({"lang": lang, "text": text, "pii": []})
    return rows


if __name__ == "__main__":
    rows = build()
    with open("labelled.jsonl", "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    en = sum(r["lang"] == "en" for r in rows)
    print(
        f"{len(rows)} lines: {en} English, {len(rows) - en} Chinese, {sum(not r['pii'] for r in rows)} negatives"
    )
