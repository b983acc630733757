"""Find private persons' names in a message: Chinese, transliterated and English (pinyin) names.

Three ways, each written for what graduates type:

* After a label or an introduction (我叫 / 本人 / 我是 / 姓名： / 户名 / 收件人 / 我爸叫 /
  "my name is" / "I'm" / "This is"): the words that follow, when they look like a name: a common
  surname and one to three more characters that do not begin a dictionary word (so 我是甘肃人,
  我是应届生 and 我叫外卖 stay), or, after an explicit label, any short word the dictionary does
  not know (我叫晓雯).
* Anywhere: a word jieba's part-of-speech tagger marks as a person (``nr``) that its dictionary
  does not hold (private names are not in it; places, brands and public figures often are: 张家口,
  李宁, 周大福, 高明 stay), starting with a common surname and not followed by a title (张老师,
  王主任 and 小李 are a surname and a role, which identify no one).
* Transliterated names joined by a middle dot (阿依古丽·买买提), and two capitalised pinyin words
  led by a pinyin surname (Liu Yang) unless a place word follows (Donggang Road, Chengguan
  District).

What it leaves out: a surname alone (我姓欧阳), nicknames, and names in languages other than
Chinese and English outside an introduction.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jieba
import jieba.posseg as pseg

jieba.setLogLevel(60)

Span = tuple[int, int]

SURNAMES_2 = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木|独孤|南宫|"
    "西门|呼延|百里|轩辕|赫连|澹台|申屠|万俟|闻人|太史|钟离|宗政|濮阳|淳于|单于|仲孙"
)
SURNAMES_1 = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝杭洪郁黑井狄揭庹"
)
_SURNAME = rf"(?:{SURNAMES_2}|[{SURNAMES_1}])"
_HAN = r"[\u4e00-\u9fff]"
# Characters that end a name: they begin the words that usually follow one.
_NAME_STOP = set(
    "想要是在的了和今从去来毕读学现刚也就还都已请问能可会有与跟同说让把给被对向为以及或而但男女"
    "，。、！？,.!?：:；; "
)
# Lighter stops for a name after an explicit label, which may be any word (叫才让东珠).
_LABELLED_STOP = set("的是在和与跟，。、！？,.!?：:；; ")
# Words after a surname that make it a role, not a name (张老师, 王主任, 李经理).
_TITLE = re.compile(
    r"^(?:老师|教授|主任|经理|校长|院长|书记|局长|处长|科长|部长|总监|总|工|医生|大夫|律师|警官|"
    r"阿姨|叔叔|伯伯|大爷|大妈|师傅|先生|女士|小姐|同志|老板|导员|会计|姐|哥|某|氏)"
)
_BEFORE_NAME_ROLE = re.compile(r"[小老阿]$")

# After these a name follows directly and may be any short unknown word (我叫晓雯).
_LABEL_ZH = re.compile(
    r"(?:我叫|俺叫|我的名字(?:是|叫)|我名字(?:是|叫)|名字叫|名叫|叫做|本人姓名|姓名|名字|"
    r"(?:(?<=[，,。！!；;\s])|^)叫)\s*(?:是|为)?\s*[:：]?\s*"
    # a role label counts only with its colon (申请人：… but not 申请人才补贴)
    r"|(?:户名|收件人|收货人|联系人|申请人|收款人|持卡人|开户名|签名)\s*(?:是|为|[:：])\s*"
)
# Role labels without a colon: a surname-led name must follow (申请人秦朗, 收件人尹雪).
_ROLE_ZH = re.compile(r"(?:户名|收件人|收货人|联系人|申请人|收款人|持卡人|开户名)\s*")
# After these a name follows when it starts with a surname (我是张伟, 本人黄晓东, 我爸叫何建国).
_INTRO_ZH = re.compile(
    r"(?:我是|俺是|我就是|本人|我，|叫|名为|"
    r"(?:父亲|母亲|爸爸|妈妈|家长|哥哥|姐姐|弟弟|妹妹|丈夫|妻子|老公|老婆|男朋友|女朋友|男友|女友|"
    r"室友|舍友|同学|朋友|同事|表哥|表姐|表弟|表妹|儿子|女儿|孩子|"
    r"应届生|毕业生|在校生|学生|研究生|本科生|硕士生|博士生|考生|学员))\s*(?:叫|是|名叫)?\s*[:：]?\s*"
)
# A demonstrative or a numeral before 张/位… makes it a measure word (哪张卡, 这位老师).
_MEASURE_BEFORE = re.compile(r"[哪这那一二两三四五六七八九十几每某整半]$")
_DOTTED = re.compile(rf"{_HAN}{{2,6}}[·•・]{_HAN}{{2,6}}")

# --- English and pinyin ---------------------------------------------------------------------------
PINYIN_SURNAMES = frozenset(
    """wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
    liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du ye
    cheng su wei lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou meng
    xiong qin qiu yin xue yan duan lei hou long tao gu mao hao gong shao wan qian dai mo kong xiang
    chang wen kang niu ge xing an qi yi qiao pang ni zhuang nie yue zhai zhan ou geng guan lan jiao
    zuo gan bao ning shang shu ruan ke ji mei tong ling bi shan pei huo tu miao sheng qu weng ran
    you xin chai pu teng rao mu nong si zhuo jian che lian mai chu lou dou cen jing dang fei bu leng
    xi mi zong gui quan ying zang min gou bian sui diao sha rong kou sang lang zhen cong ao ming she
    chi cha kuang hang hong ouyang sima shangguan zhuge dongfang huangfu situ xiahou linghu murong
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|in|un|ia|ie|"
    r"iu|ua|uo|ui|ue|ve|a|o|e|i|u|v)"
)
_PINYIN_WORD = re.compile(rf"^(?:{_SYLLABLE}){{1,3}}$", re.IGNORECASE)
_CAP = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?"
_INTRO_EN = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|i\s+am|i'm|im|this\s+is|call\s+me|i\s+go\s+by|"
    r"name\s*[:：]|named|called|signed)\s+",
    re.IGNORECASE,
)
_EXPLICIT_EN = re.compile(
    r"(?:my\s+name\s+is|my\s+name's|call\s+me|i\s+go\s+by|name\s*[:：]|named|called)\s+$",
    re.IGNORECASE,
)
# Capitalised words that follow "I'm" without being names.
_NOT_NAMES_EN = frozenset(
    """a an the not so very really just still currently now here there from in at on looking
    trying writing working going studying applying interested chinese english international
    graduating graduate student new sorry fine ok okay good glad happy worried confused unsure
    wondering asking calling hoping planning thinking done back also already about""".split()  # noqa: SIM905
)
_PLACE_AFTER = re.compile(
    r"^\s*(?:Road|Rd|Street|St|Avenue|Ave|Lane|District|County|City|Province|University|College|"
    r"Village|Town|Township|Lu|Jie|Building|Park|Square|Mountain|River|Lake|Bridge|Station|"
    r"Airport|Hospital|School|Institute|Company|Group|Bank|Plaza|Garden|Gardens|New\s+Area)\b|"
    r"^\s*[\[〔(（]\s*\d{4}"  # a document code such as Cai She [2017] No. 164
)
_TITLE_BEFORE_EN = re.compile(
    r"(?:\b(?:mr|mrs|ms|miss|dr|prof|professor|teacher|director|manager|dean|president)\.?\s+)$",
    re.IGNORECASE,
)
_PLACE_PAIRS = frozenset({"Hong Kong", "Xi An", "Ma On", "Chang An"})
_PINYIN_PAIR = re.compile(rf"\b({_CAP})\s+({_CAP})\b")


@lru_cache(maxsize=4096)
def _dictionary_word(word: str) -> bool:
    """True when jieba's dictionary holds ``word`` as a word that is not a person's name."""
    if jieba.dt.FREQ.get(word, 0) <= 0:
        return False
    return pseg.dt.word_tag_tab.get(word, "") != "nr"


def _starts_a_word(text: str, longer_than: int = 1) -> bool:
    """True when ``text`` begins with a dictionary word of two or more characters (甘肃, 应届),
    longer than ``longer_than`` (a compound surname such as 欧阳 is a word of its own)."""
    shortest = max(2, longer_than + 1)
    return any(_dictionary_word(text[:n]) for n in range(min(len(text), 4), shortest - 1, -1))


def _surname_length(text: str) -> int:
    m = re.match(_SURNAME, text)
    return len(m.group(0)) if m else 0


def _given_length(text: str, start: int, most: int, stop: set[str] = _NAME_STOP) -> int:
    n = 0
    while n < most and start + n < len(text):
        ch = text[start + n]
        if ch in stop or not re.match(_HAN, ch):
            break
        n += 1
    return n


def _surname_led(text: str, at: int) -> int:
    """The length of a surname-led name at ``at`` (0 when none): surname + 1-2 characters."""
    rest = text[at:]
    s = _surname_length(rest)
    if not s:
        return 0
    g = _given_length(rest, s, 2)
    if not g or _TITLE.match(rest[s:]):
        return 0
    name = rest[: s + g]
    # the two-character reading when a three-character one begins a word (张伟今 → 张伟)
    if g == 2 and _starts_a_word(name[s + 1 :] + rest[s + g : s + g + 2]):
        g = 1
    if _starts_a_word(rest[: s + g], s) and not _known_name(rest[: s + g]):
        return 0
    return s + g


def _known_name(word: str) -> bool:
    """A word the dictionary holds as a person's name (雷鸣, 赵子龙)."""
    return pseg.dt.word_tag_tab.get(word, "") == "nr" and jieba.dt.FREQ.get(word, 0) > 0


def _unknown_word(text: str, at: int) -> int:
    """After an explicit label: a 2-4 character word the dictionary does not hold."""
    rest = text[at:]
    g = _given_length(rest, 0, 4, _LABELLED_STOP)
    if g < 2:
        return 0
    if _starts_a_word(rest[:g]) and not _known_name(rest[:g]):
        return 0
    return g


def chinese_names(text: str) -> list[Span]:
    """Spans of Chinese (and dotted transliterated) names in ``text``."""
    spans: list[Span] = []
    for m in _DOTTED.finditer(text):
        leads = list(_LABEL_ZH.finditer(text, m.start(), m.end()))
        spans.append((leads[-1].end() if leads else m.start(), m.end()))
    for m in _ROLE_ZH.finditer(text):
        n = _surname_led(text, m.end())
        if n:
            spans.append((m.end(), m.end() + n))
    for m in _LABEL_ZH.finditer(text):
        n = _surname_led(text, m.end()) or _unknown_word(text, m.end())
        if n:
            spans.append((m.end(), m.end() + n))
    for m in _INTRO_ZH.finditer(text):
        n = _surname_led(text, m.end())
        if n:
            spans.append((m.end(), m.end() + n))
    spans += _tagged_names(text)
    return spans


def _tagged_names(text: str) -> list[Span]:
    out: list[Span] = []
    at = 0
    for word, flag in pseg.cut(text):
        start, at = at, at + len(word)
        if flag != "nr" or not 2 <= len(word) <= 4 or jieba.dt.FREQ.get(word, 0) > 0:
            continue
        if not _surname_length(word) or _BEFORE_NAME_ROLE.search(text[:start]):
            continue
        if _MEASURE_BEFORE.search(text[:start]):
            continue
        if _TITLE.match(text[at:]) or _TITLE.match(word[_surname_length(word) :]):
            continue
        out.append((start, at))
    return out


def _is_pinyin_name(surname: str, given: str) -> bool:
    return surname.lower() in PINYIN_SURNAMES and bool(_PINYIN_WORD.match(given.replace("-", "")))


def english_names(text: str) -> list[Span]:
    """Spans of names after an English introduction, and of capitalised pinyin names."""
    spans: list[Span] = []
    for m in _INTRO_EN.finditer(text):
        explicit = _EXPLICIT_EN.search(text[: m.end()]) is not None
        rest = text[m.end() :]
        words = re.match(r"([A-Za-z][a-z'-]*)(?:\s+([A-Za-z][a-z'-]*))?", rest)
        if not words:
            continue
        first, second = words.group(1), words.group(2) or ""
        if first.lower() in _NOT_NAMES_EN:
            continue
        pinyin_pair = bool(second) and _is_pinyin_name(first, second)
        if second and not second[0].isupper() and not pinyin_pair:
            second = ""  # "Trevor on campus": one name, then ordinary words
            words = re.match(r"[A-Za-z][a-z'-]*", rest)
            assert words is not None
        pinyin = bool(second) and _is_pinyin_name(first, second)
        capitalised = first[0].isupper() and (not second or second[0].isupper())
        if pinyin and not _PLACE_AFTER.match(rest[words.end() :]):
            spans.append((m.end(), m.end() + words.end()))
        elif capitalised and second and second.lower() not in _NOT_NAMES_EN:
            if not _PLACE_AFTER.match(rest[words.end() :]):
                spans.append((m.end(), m.end() + words.end()))
        elif capitalised and explicit:
            spans.append((m.end(), m.end() + len(first)))
    for m in _PINYIN_PAIR.finditer(text):
        if not _is_pinyin_name(m.group(1), m.group(2)) or m.group(0) in _PLACE_PAIRS:
            continue
        if _PLACE_AFTER.match(text[m.end() :]) or _TITLE_BEFORE_EN.search(text[: m.start()]):
            continue
        spans.append((m.start(), m.end()))
    return spans
