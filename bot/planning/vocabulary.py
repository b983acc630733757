"""The closed vocabularies a profile and the catalogue share, with Chinese and English labels.

Education levels, preferred paths, circumstances, disciplines, employment and the
provincial-level divisions of mainland China (with major cities mapped to their province) are
fixed lists here so that a profile, a catalogue condition and the free-text extractor all speak
the same codes. Each code
accepts its Chinese label and a few aliases on input. Foreign countries are not listed: any
nationality other than China is kept as free text.
"""

from __future__ import annotations

from collections.abc import Mapping

# code -> (中文, English)
EDUCATION: dict[str, tuple[str, str]] = {
    "zhuanke": ("专科", "junior college (zhuanke)"),
    "bachelor": ("本科", "bachelor's"),
    "master": ("硕士", "master's"),
    "phd": ("博士", "PhD"),
}
EDUCATION_ORDER = ["zhuanke", "bachelor", "master", "phd"]

PATHS: dict[str, tuple[str, str]] = {
    "postgraduate_exam": ("考研/读研", "postgraduate entrance exam"),
    "upgrade_degree": ("专升本", "zhuanke-to-bachelor upgrade"),
    "civil_service": ("考公/选调", "civil service / selected graduates"),
    "grassroots": ("基层项目", "grassroots programmes"),
    "teaching": ("教师", "teaching"),
    "soe": ("国企", "state-owned enterprises"),
    "private": ("民企/外企", "private or foreign companies"),
    "startup": ("创业", "starting a business"),
    "flexible": ("灵活就业", "flexible employment"),
    "military": ("参军", "joining the army"),
    "abroad": ("出国", "study or work abroad"),
    "research": ("科研/高校", "research and academia"),
}

CIRCUMSTANCES: dict[str, tuple[str, str]] = {
    "poverty_alleviated": ("脱贫家庭", "family lifted out of poverty (registered)"),
    "dibao": ("低保家庭", "minimum-living-allowance (dibao) family"),
    "dibao_edge": ("低保边缘家庭", "family on the edge of dibao"),
    "zero_employment": ("零就业家庭", "zero-employment family"),
    "extreme_poverty": ("特困人员", "person in extreme poverty (tekun)"),
    "disability": ("残疾", "disability"),
    "student_loan": ("国家助学贷款", "national student loan"),
    "unemployed_after_leaving": ("离校未就业", "unemployed since leaving school"),
    "veteran": ("退役军人", "veteran"),
}

DISCIPLINES: dict[str, tuple[str, str]] = {
    "philosophy": ("哲学", "philosophy"),
    "economics": ("经济学", "economics"),
    "law": ("法学", "law"),
    "education": ("教育学", "education"),
    "literature": ("文学", "literature and languages"),
    "history": ("历史学", "history"),
    "science": ("理学", "science"),
    "engineering": ("工学", "engineering"),
    "agriculture": ("农学", "agriculture"),
    "medicine": ("医学", "medicine"),
    "military": ("军事学", "military science"),
    "management": ("管理学", "management"),
    "arts": ("艺术学", "arts"),
    "interdisciplinary": ("交叉学科", "interdisciplinary"),
}

POLITICAL_STATUS: dict[str, tuple[str, str]] = {
    "party_member": ("中共党员", "CPC member"),
    "probationary_member": ("中共预备党员", "CPC probationary member"),
    "league_member": ("共青团员", "Communist Youth League member"),
    "masses": ("群众", "no party affiliation"),
}

# How a graduate works now. Flexible work (灵活就业) counts as having a job; what sets it apart
# is that no employer pays the social insurance (social-insurance-subsidy.md).
EMPLOYMENT: dict[str, tuple[str, str]] = {
    "employer": ("在单位工作", "working for an employer"),
    "flexible": ("灵活就业", "flexible work (self-employed, part-time, platform or freelance)"),
    "none": ("没有工作", "not working"),
}

# Provincial-level divisions: canonical short name -> (full name, English)
PROVINCES: dict[str, tuple[str, str]] = {
    "北京": ("北京市", "Beijing"),
    "天津": ("天津市", "Tianjin"),
    "上海": ("上海市", "Shanghai"),
    "重庆": ("重庆市", "Chongqing"),
    "河北": ("河北省", "Hebei"),
    "山西": ("山西省", "Shanxi"),
    "辽宁": ("辽宁省", "Liaoning"),
    "吉林": ("吉林省", "Jilin"),
    "黑龙江": ("黑龙江省", "Heilongjiang"),
    "江苏": ("江苏省", "Jiangsu"),
    "浙江": ("浙江省", "Zhejiang"),
    "安徽": ("安徽省", "Anhui"),
    "福建": ("福建省", "Fujian"),
    "江西": ("江西省", "Jiangxi"),
    "山东": ("山东省", "Shandong"),
    "河南": ("河南省", "Henan"),
    "湖北": ("湖北省", "Hubei"),
    "湖南": ("湖南省", "Hunan"),
    "广东": ("广东省", "Guangdong"),
    "海南": ("海南省", "Hainan"),
    "四川": ("四川省", "Sichuan"),
    "贵州": ("贵州省", "Guizhou"),
    "云南": ("云南省", "Yunnan"),
    "陕西": ("陕西省", "Shaanxi"),
    "甘肃": ("甘肃省", "Gansu"),
    "青海": ("青海省", "Qinghai"),
    "内蒙古": ("内蒙古自治区", "Inner Mongolia"),
    "广西": ("广西壮族自治区", "Guangxi"),
    "西藏": ("西藏自治区", "Tibet"),
    "宁夏": ("宁夏回族自治区", "Ningxia"),
    "新疆": ("新疆维吾尔自治区", "Xinjiang"),
    "香港": ("香港特别行政区", "Hong Kong"),
    "澳门": ("澳门特别行政区", "Macao"),
    "台湾": ("台湾省", "Taiwan"),
}

# Major cities (capitals and a few large ones) -> province short name
CITIES: dict[str, str] = {
    "石家庄": "河北",
    "太原": "山西",
    "沈阳": "辽宁",
    "大连": "辽宁",
    "长春": "吉林",
    "哈尔滨": "黑龙江",
    "南京": "江苏",
    "苏州": "江苏",
    "无锡": "江苏",
    "杭州": "浙江",
    "宁波": "浙江",
    "温州": "浙江",
    "合肥": "安徽",
    "福州": "福建",
    "厦门": "福建",
    "泉州": "福建",
    "南昌": "江西",
    "济南": "山东",
    "青岛": "山东",
    "烟台": "山东",
    "郑州": "河南",
    "洛阳": "河南",
    "武汉": "湖北",
    "宜昌": "湖北",
    "长沙": "湖南",
    "广州": "广东",
    "深圳": "广东",
    "东莞": "广东",
    "佛山": "广东",
    "珠海": "广东",
    "海口": "海南",
    "三亚": "海南",
    "成都": "四川",
    "绵阳": "四川",
    "贵阳": "贵州",
    "遵义": "贵州",
    "昆明": "云南",
    "大理": "云南",
    "西安": "陕西",
    "兰州": "甘肃",
    "天水": "甘肃",
    "西宁": "青海",
    "呼和浩特": "内蒙古",
    "包头": "内蒙古",
    "南宁": "广西",
    "桂林": "广西",
    "柳州": "广西",
    "拉萨": "西藏",
    "银川": "宁夏",
    "乌鲁木齐": "新疆",
}

CHINA = "中国"

_NATIONALITY_ALIASES = {"中国", "中华人民共和国", "china", "cn", "chinese", "prc", "中国籍"}


def _aliases(table: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for code, (zh, en) in table.items():
        for name in (code, zh, en, en.lower()):
            found[name.lower()] = code
        for part in zh.split("/"):
            found[part.lower()] = code
    return found


_EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "education": {
        "大专": "zhuanke",
        "高职": "zhuanke",
        "学士": "bachelor",
        "undergraduate": "bachelor",
        "研究生": "master",
        "masters": "master",
        "doctor": "phd",
        "doctoral": "phd",
        "associate": "zhuanke",
    },
    "paths": {
        "考研": "postgraduate_exam",
        "读研": "postgraduate_exam",
        "考公": "civil_service",
        "选调": "civil_service",
        "考编": "civil_service",
        "公务员": "civil_service",
        "民企": "private",
        "外企": "private",
        "参军入伍": "military",
        "留学": "abroad",
        "科研": "research",
    },
    "circumstances": {
        "低保": "dibao",
        "低保户": "dibao",
        "脱贫户": "poverty_alleviated",
        "建档立卡": "poverty_alleviated",
        "残疾人": "disability",
        "助学贷款": "student_loan",
        "特困": "extreme_poverty",
        "退伍军人": "veteran",
    },
    "employment": {
        "上班": "employer",
        "在职": "employer",
        "单位": "employer",
        "employed": "employer",
        "自由职业": "flexible",
        "个体经营": "flexible",
        "打零工": "flexible",
        "freelance": "flexible",
        "未就业": "none",
        "待业": "none",
        "无": "none",
        "unemployed": "none",
    },
    "political_status": {
        "党员": "party_member",
        "预备党员": "probationary_member",
        "团员": "league_member",
    },
}

_TABLES: dict[str, Mapping[str, tuple[str, str]]] = {
    "education": EDUCATION,
    "paths": PATHS,
    "circumstances": CIRCUMSTANCES,
    "discipline": DISCIPLINES,
    "political_status": POLITICAL_STATUS,
    "employment": EMPLOYMENT,
}


def table(kind: str) -> Mapping[str, tuple[str, str]]:
    """The code table of one vocabulary: education, paths, circumstances, discipline …"""
    return _TABLES[kind]


def to_code(kind: str, value: str) -> str | None:
    """The code for a label, alias or code of vocabulary ``kind``; None when unknown."""
    aliases = _aliases(_TABLES[kind]) | _EXTRA_ALIASES.get(kind, {})
    return aliases.get(value.strip().lower())


def label(kind: str, code: str, lang: str) -> str:
    """The Chinese or English label of a code (the code itself when unknown)."""
    if kind == "province":
        return province_label(code, lang)
    names = _TABLES[kind].get(code)
    if names is None:
        return code
    return names[0] if lang == "zh" else names[1]


def to_province(value: str) -> str | None:
    """The canonical short name of a province or major city (中文 or English); None if unknown."""
    text = value.strip()
    for short, (full, en) in PROVINCES.items():
        if text in (short, full) or text.lower() == en.lower():
            return short
    if text.endswith(("省", "市")) and text[:-1] in PROVINCES:
        return text[:-1]
    city = text[:-1] if text.endswith("市") else text
    return CITIES.get(city)


def province_label(short: str, lang: str) -> str:
    names = PROVINCES.get(short)
    if names is None:
        return short
    return short if lang == "zh" else names[1]


def is_china(nationality: str) -> bool:
    return nationality.strip().lower() in _NATIONALITY_ALIASES
