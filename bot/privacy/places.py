"""Find home and mailing addresses, student and staff numbers, and passport numbers.

Addresses: a Chinese address is redacted from its first administrative level (省/市/区/县/镇…)
down to the room, but only when it reaches a door: a road with a house number (东岗西路123号), or
a building with a room (3号楼412, 12栋608). A building-and-room address with no road counts only
after a word of living or mail (住, 宿舍, 寄, 地址 …) right before it, so a lecture room (课在3号楼
201) is kept. A place named as a place (我是甘肃人, 东岗西路附近) has no door and is kept. English
addresses need a house number and a street word (45 Baker Road), optionally with a flat or room
before and the district, city and postcode after.

Student, candidate and staff numbers (学号, 准考证号, 考生编号, 工号, "student ID") are redacted
when labelled, the label kept; years and amounts next to the label (学号2020年改过) are skipped.
Passport numbers (E, EA–EF or G followed by 7–8 digits) are redacted wherever they stand.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_HAN = r"[\u4e00-\u9fff]"
_ADMIN = rf"(?:{_HAN}{{1,7}}?(?:省|自治区|特别行政区|市|州|盟|地区|区|县|旗|镇|乡|街道))"
_ROAD = (
    rf"(?:{_HAN}[{_HAN[1:-1]}0-9A-Za-z]{{0,9}}?(?:路|街|大道|大街|巷|弄|胡同|道)"
    r"(?:[东西南北中]段|[东西南北])?\d+号(?:院)?)"
)
_ESTATE = r"(?:小区|花园|公寓|家园|新村|新城|山庄|公馆|华庭|家属院|大厦|广场|苑|村|校区)"
_PLACE = rf"(?:{_HAN}{{2,8}}?{_ESTATE}|[东南西北]区)"
_UNIT = r"(?:[A-Za-z]座|[A-Za-z]?\d{1,3}(?:号楼|栋|幢|座|号院|单元|楼|层|组))"
_ROOM = r"(?:[A-Za-z]?\d{2,5}(?:室|房|号|宿舍)?)"
_DOOR_ZH = re.compile(
    rf"{_ADMIN}{{0,5}}(?:{_ROAD}{_PLACE}?{_UNIT}*{_ROOM}?|{_PLACE}?{_UNIT}+{_ROOM}|{_PLACE}{_ROOM})"
)
# A rural address reaches a door through its village and group (…镇蜻蜓村五组, …乡王庄村3组12号):
# it needs a township or county before the village, so "村里" or "我们村" alone is no address.
_ZH_NUMBER = r"(?:\d{1,3}|[一二三四五六七八九十]{1,3})"
_VILLAGE_ZH = re.compile(
    rf"{_ADMIN}{{0,4}}{_HAN}{{1,6}}?(?:镇|乡){_HAN}{{1,6}}?村(?:委会)?"
    rf"(?:{_ZH_NUMBER}(?:组|社|队)(?:\d{{1,4}}号)?|\d{{1,4}}号)"
)
_ROAD_IN = re.compile(_ROAD)
# Words that end the lead-in to an address: what comes after them is the address.
_LEAD_IN = re.compile(
    r".*(?:住在|住|在|是|到|寄往|寄|位于|为|址|：|:)(?:学校|校内|单位|公司|老家)?"
)
# 家 ("我家天水市…") ends a lead-in only when no other word does: it also begins and ends place
# names (家住, 张家口, 吴家村).
_LEAD_IN_HOME = re.compile(r".*?家(?:学校|校内|单位|公司|老家)?")
_LIVING = re.compile(
    r"(?:住|宿舍|寝室|公寓|寄|收件|收货|地址|快递|户口|邮寄|家)[^，。,.!?！？]{0,6}$"
)

_STREET_EN = r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Close|Crescent)"
_DOOR_EN = re.compile(
    r"(?:(?:Room|Rm|Flat|Apt|Apartment|Unit|Suite|Building|Bldg)\.?\s*[\w-]+,?\s+)*"
    rf"\d+[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,4}}{_STREET_EN}\b\.?"
    r"(?:,?\s*(?:Room|Rm|Flat|Apt|Apartment|Unit|Suite)\.?\s*[\w-]+)*"
    r"(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})*"
    r"(?:,?\s+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|,?\s+\d{5,6}\b)?"
)

_ID_LABEL = re.compile(
    r"学号|学籍号|准考证号?|考生号|考生编号|考号|报考号|报名号|学生号|学生编号|学员号|校园卡号|一卡通号|"
    r"工号|员工号|员工编号|职工号|职工编号|教工号|工作证号|学生证号|"
    r"\b(?:student|employee|staff|exam|examination|candidate|registration|admission\s+ticket|"
    r"matriculation|enrolment|enrollment)\s*"
    r"(?:number|id|no\.?|#)",
    re.IGNORECASE,
)
_ID_VALUE = re.compile(r"[A-Za-z]{0,2}\d[\dA-Za-z-]{3,19}(?![\dA-Za-z])")
_ID_GAP = 16  # characters between a label and its number (学号2020年改过，现在是…)
_NOT_AN_ID = re.compile(r"^\s*(?:年|届|级|元|月|日|号|分|%|岁|人|个|万|kg|cm)", re.IGNORECASE)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:E[A-F]\d{7}|[EG]\d{8})(?![A-Za-z0-9])")


def addresses(text: str) -> list[Span]:
    """Spans of home or mailing addresses (Chinese and English)."""
    spans: list[Span] = []
    for m in _DOOR_ZH.finditer(text):
        start, end = m.span()
        lead = _lead_in(text[start:end])
        if lead:
            start += lead.end()
        if start >= end:
            continue
        has_road = _ROAD_IN.search(text[start:end]) is not None
        if not has_road and not _LIVING.search(text[max(0, start - 12) : start]):
            continue  # a building and a room with no word of living or mail: a classroom
        spans.append((start, end))
    for m in _VILLAGE_ZH.finditer(text):
        lead = _lead_in(m.group(0))
        spans.append((m.start() + (lead.end() if lead else 0), m.end()))
    spans += [m.span() for m in _DOOR_EN.finditer(text)]
    return spans


_FIRST_LEVEL = re.compile(r"\d|省|自治区|市|州|区|县|旗|镇|乡|街道|村|路|街|大道|巷|小区|公寓")


def _lead_in(head: str) -> re.Match[str] | None:
    """The words before the address proper ("我住在", "寄到"), looked for only before its first
    level or number, so a place named with 家 or 在 (吴家村, 张家口) is not cut."""
    first = _FIRST_LEVEL.search(head)
    before = head[: first.start()] if first else head
    return _LEAD_IN.match(before) or _LEAD_IN_HOME.match(before)


def labelled_ids(text: str) -> list[Span]:
    """Spans of student, candidate and staff numbers that follow their label."""
    spans: list[Span] = []
    for m in _ID_LABEL.finditer(text):
        window_end = min(len(text), m.end() + _ID_GAP + 20)
        for value in _ID_VALUE.finditer(text, m.end(), window_end):
            if value.start() - m.end() > _ID_GAP:
                break
            if re.search(r"[。！？!?\n]", text[m.end() : value.start()]):
                break
            if _NOT_AN_ID.match(text[value.end() :]) or len(re.sub(r"\D", "", value.group())) < 4:
                continue
            spans.append(value.span())
            break
    return spans


def passports(text: str) -> list[Span]:
    return [m.span() for m in _PASSPORT.finditer(text)]
