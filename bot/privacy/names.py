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
_LABELLED_STOP = set("的是在和与跟就吧呀啊哦呢嘛也都还，。、！？,.!?：:；; ")
# Words after a surname that make it a role, not a name (张老师, 王主任, 李经理).
_TITLE = re.compile(
    r"^(?:老师|教授|主任|经理|校长|院长|书记|局长|处长|科长|部长|总监|总|工|医生|大夫|律师|警官|"
    r"阿姨|叔叔|伯伯|大爷|大妈|师傅|先生|女士|小姐|同志|老板|导员|会计|姐|哥|某|氏)"
)
_BEFORE_NAME_ROLE = re.compile(r"[小老阿]$")

# After these a name follows directly and may be any short unknown word (我叫晓雯).
_LABEL_ZH = re.compile(
    r"(?:我叫|俺叫|叫我|我的名字(?:是|叫)|我名字(?:是|叫)|名字叫|名叫|本人姓名|姓名|名字|"
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
# Surnames that are also everyday function words (和 "and", 应 "should", 向 "towards" …): after a
# role noun ("毕业生和企业", "毕业生应树立") such a name counts only when a clear boundary follows.
_FUNCTION_SURNAMES = set("和应向于成时全单从同与及或")
_ROLE_NOUN_BEFORE = re.compile(
    r"(?:应届生|毕业生|在校生|学生|研究生|本科生|硕士生|博士生|考生|学员)\s*$"
)
_BOUNDARY_AFTER = re.compile(r"^(?:$|[，。、！？,.!?：:；;\s（(]|我|想|在|是|的|也|已经|今年|说)")
# A demonstrative or a numeral before 张/位… makes it a measure word (哪张卡, 这位老师).
_MEASURE_BEFORE = re.compile(r"[哪这那一二两三四五六七八九十几每某整半]$")
# A name signed at the end of a message ("——刘晓东", "谢谢！李华").
_SIGNATURE = re.compile(r"(?:——|—|--|～|~|谢谢[！!，,。.\s]*|此致[，,\s]*敬礼[！!，,。.\s]*)\s*")
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
    if re.match(r"[不没别]|什么|怎么|哪|啥|谁", rest):
        return 0  # 我叫不上来, 叫我怎么办: a verb phrase, not a name
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
        if n and _ROLE_NOUN_BEFORE.search(text[: m.end()]) and text[m.end()] in _FUNCTION_SURNAMES:
            given = text[m.end() + 1 : m.end() + n]
            if not _BOUNDARY_AFTER.match(text[m.end() + n :]) or _dictionary_word(given):
                continue
        if n:
            spans.append((m.end(), m.end() + n))
    for m in _SIGNATURE.finditer(text):
        n = _surname_led(text, m.end())
        if n and not text[m.end() + n :].strip(" 。.!！~～"):
            spans.append((m.end(), m.end() + n))
    spans += _tagged_names(text) + _names_in_context(text)
    return spans


# Before a name the tagger missed: a relation or a verb of contact (not a bare 的 or 和).
_CONTACT_BEFORE = re.compile(
    r"(?:同学|朋友|室友|舍友|同事|导师|学长|学姐|学弟|学妹|男朋友|女朋友|男友|女友|对象|老公|老婆|丈夫|妻子|"
    r"表哥|表姐|表弟|表妹|堂哥|堂姐|人事|HR|hr|队友|搭档|联系|转告|通知|告诉|麻烦|拜托|感谢|谢谢|认识|"
    r"推荐|介绍|找)\s*$"
)


def _names_in_context(text: str) -> list[Span]:
    """A surname-led name the tagger missed (it cuts some names apart), between a relation or a
    verb of contact and a person's doing or the end of the clause ("转告黄丽华，材料…"). The name
    may not be, begin with or end in a dictionary word (马上, 关键, 推送)."""
    out: list[Span] = []
    for m in re.finditer(_SURNAME, text):
        at, s = m.start(), m.end() - m.start()
        if text[at] in _FUNCTION_SURNAMES or not _CONTACT_BEFORE.search(text[max(0, at - 4) : at]):
            continue
        for g in (2, 1):
            end = at + s + g
            word = text[at:end]
            if len(word) < s + g or any(
                ch in _NAME_STOP or not re.match(_HAN, ch) for ch in word[s:]
            ):
                continue
            if _TITLE.match(text[at + s :]) or word in PUBLIC_FIGURES:
                break
            if _starts_a_word(word, s) or (g == 2 and _dictionary_word(word[s:])):
                continue
            if _PERSON_AFTER.match(text[end : end + 4]) or _CLAUSE_EDGE_AFTER.match(text[end:]):
                out.append((at, end))
                break
    return out


# Context that says a word tagged as a name is a person: a relation or a verb of contact before
# it, or a person's doing after it. A tagged word with neither ("分类施策。") is not taken.
_PERSON_BEFORE = re.compile(
    r"(?:的|同学|朋友|室友|舍友|同事|老师|导师|学长|学姐|学弟|学妹|男朋友|女朋友|男友|女友|对象|老公|老婆|"
    r"丈夫|妻子|爸爸|妈妈|父亲|母亲|哥哥|姐姐|弟弟|妹妹|表哥|表姐|表弟|表妹|堂哥|堂姐|儿子|女儿|孩子|人事|"
    r"HR|hr|经理|主管|组长|队友|搭档|联系|转告|通知|告诉|问问|问|找|给|跟|和|与|叫|是|让|请|帮|替|代|"
    r"感谢|谢谢|麻烦|拜托|认识|推荐|介绍|还有|以及|及|：|:|——|—|@)\s*$"
)
_PERSON_AFTER = re.compile(
    r"^\s*(?:说|讲|告诉|让|叫|问|发|打|给|帮|和|跟|与|也|已经|都|还|今年|现在|在|去|来|要|想|是|的|拿|考|"
    r"签|报|申请|毕业|入职|离职|同学|老师|一起|他|她|你好|您好)"
)
# A name standing alone as a clause ("李华，你好", "……，王芳。").
_CLAUSE_EDGE_BEFORE = re.compile(r"(?:^|[，。！？,.!?、\n])\s*$")
_CLAUSE_EDGE_AFTER = re.compile(r"^\s*(?:$|[，。！？,.!?、（(])")
# Public figures graduates name for their public role (founders, writers, scientists, athletes):
# not private persons, like the ones jieba's dictionary already holds (鲁迅, 李宁).
PUBLIC_FIGURES = frozenset(
    """马云 马化腾 雷军 任正非 刘强东 俞敏洪 张一鸣 董明珠 李彦宏 王健林 丁磊 黄峥 宗庆后 王兴
    周鸿祎 曹德旺 李书福 王传福 曾毓群 张朝阳 罗永浩 余华 莫言 鲁迅 老舍 巴金 沈从文 钱钟书
    杨绛 路遥 史铁生 三毛 金庸 海子 顾城 汪曾祺 刘慈欣 贾平凹 王小波 张爱玲 林徽因 冰心
    郭沫若 茅盾 曹雪芹 钱学森 袁隆平 屠呦呦 杨振宁 邓稼先 钟南山 施一公 颜宁 潘建伟 姚明 刘翔
    李娜 谷爱凌 苏炳添 全红婵 易烊千玺 王一博 肖战 杨超越 蔡徐坤 周杰伦 王俊凯 赵丽颖 杨幂 张艺谋
    张桂梅 黄文秀 雷锋 焦裕禄""".split()  # noqa: SIM905
)


def _tagged_names(text: str) -> list[Span]:
    out: list[Span] = []
    at = 0
    for word, flag in pseg.cut(text):
        start, at = at, at + len(word)
        if flag != "nr" or not 2 <= len(word) <= 4 or jieba.dt.FREQ.get(word, 0) > 0:
            continue
        s = _surname_length(word)
        if not s or _BEFORE_NAME_ROLE.search(text[:start]) or word in PUBLIC_FIGURES:
            continue
        if _MEASURE_BEFORE.search(text[:start]) or any(ch in _NAME_STOP for ch in word[s:]):
            continue
        if _TITLE.match(word[s:]) or (len(word) - s < 2 and _TITLE.match(text[at:])):
            continue  # 张老师, and 王 + 主任: a surname and a role (a full name + 老师 is a name)
        before, after = text[max(0, start - 4) : start], text[at : at + 4]
        alone = _CLAUSE_EDGE_BEFORE.search(before) and _CLAUSE_EDGE_AFTER.match(after)
        person = _PERSON_BEFORE.search(before) or _PERSON_AFTER.match(after)
        if not (person or alone or _TITLE.match(after)):
            continue
        out.append((start, at))
    return out


def _is_pinyin_name(surname: str, given: str) -> bool:
    return surname.lower() in PINYIN_SURNAMES and bool(_PINYIN_WORD.match(given.replace("-", "")))


# A word of a name: letters, maybe hyphenated, never a possessive 's ("Yang Fan's" is Yang Fan).
_WORD_EN = r"[A-Za-z][a-z]*(?:-[A-Za-z][a-z]*)?"
# Introductions typed in pinyin ("wo shi zhang wei", "wo jiao li hua").
_INTRO_PINYIN = re.compile(
    r"\b(?:wo\s*shi|wo\s*jiao|ben\s*ren|wo\s*de\s*ming\s*zi\s*(?:shi|jiao))\s+", re.IGNORECASE
)
# Relations before a name written in lower case ("my friend zhang xiaoming").
_RELATION_EN = re.compile(
    r"\b(?:my|our|his|her)\s+(?:friend|roommate|classmate|colleague|cousin|sister|brother|mom|mum|"
    r"mother|dad|father|girlfriend|boyfriend|partner|husband|wife|teammate|flatmate|neighbou?r)\s+$|"
    r"\b(?:named|called)\s+$",
    re.IGNORECASE,
)
# English words that spell a pinyin syllable: in lower case they are words, not surnames.
_ENGLISH_SYLLABLES = frozenset(
    """he she you an me ma mi ni bi ban fan man long sun hang pan can tan ran die lie tie pie
    pin bin
    gun den pen men hen ten ye bang sang wan fang ting gang bao pang""".split()  # noqa: SIM905
)
# Chinese cities and provinces whose pinyin splits into a surname and a syllable (Wu Han, He Fei),
# and public figures named in pinyin: places and public roles, not private persons.
PINYIN_NOT_PERSONS = frozenset(
    """wuhan xian lanzhou chengdu hangzhou shenzhen suzhou guangzhou tianjin chongqing hefei fuzhou
    guiyang changsha zhengzhou ningbo xiamen jinan qingdao dalian shenyang harbin nanning haikou
    kunming xining yinchuan lhasa hohhot taiyuan nanchang wuxi foshan dongguan zhuhai shantou
    wenzhou jiaxing shaoxing yangzhou xuzhou luoyang kaifeng tianshui baiyin jiuquan zhangye wuwei
    dingxi pingliang qingyang longnan linxia gannan jiayuguan jinchang nanjing beijing shanghai
    shanxi shaanxi gansu hebei henan hubei hunan jiangsu jiangxi zhejiang anhui fujian guangdong
    guangxi hainan sichuan guizhou yunnan xizang qinghai ningxia xinjiang liaoning jilin taiwan
    hongkong macau changchun shijiazhuang huhehaote urumqi kashgar yanan baoji hanzhong
    luxun yaoming lining mayun leijun renzhengfei mahuateng yuhua moyan maozedong zhouenlai
    dengxiaoping""".split()  # noqa: SIM905
)


def _not_a_person(first: str, second: str) -> bool:
    return (first + second).replace("-", "").lower() in PINYIN_NOT_PERSONS


def english_names(text: str) -> list[Span]:
    """Spans of names after an English introduction, and of capitalised pinyin names."""
    spans: list[Span] = []
    for m in _INTRO_EN.finditer(text):
        explicit = _EXPLICIT_EN.search(text[: m.end()]) is not None
        rest = text[m.end() :]
        words = re.match(rf"({_WORD_EN})(?:\s+({_WORD_EN}))?", rest)
        if not words:
            continue
        first, second = words.group(1), words.group(2) or ""
        if first.lower() in _NOT_NAMES_EN:
            continue
        pinyin_pair = bool(second) and _is_pinyin_name(first, second)
        if second and not second[0].isupper() and not pinyin_pair:
            second = ""  # "Trevor on campus": one name, then ordinary words
            words = re.match(_WORD_EN, rest)
            assert words is not None
        pinyin = (
            bool(second) and _is_pinyin_name(first, second) and not _not_a_person(first, second)
        )
        capitalised = first[0].isupper() and (not second or second[0].isupper())
        if pinyin and not _PLACE_AFTER.match(rest[words.end() :]):
            spans.append((m.end(), m.end() + words.end()))
        elif capitalised and second and _ordinary_pair(first, second, explicit):
            if not _PLACE_AFTER.match(rest[words.end() :]):
                spans.append((m.end(), m.end() + words.end()))
        elif capitalised and (explicit or _alone_after_i_am(text, m, first)):
            spans.append((m.end(), m.end() + len(first)))
    for m in _PINYIN_PAIR.finditer(text):
        first, second = m.group(1), m.group(2)
        if not _is_pinyin_name(first, second) or m.group(0) in _PLACE_PAIRS:
            continue
        if _not_a_person(first, second) or _PLACE_AFTER.match(text[m.end() :]):
            continue
        spans.append((m.start(), m.end()))
    spans += _lower_case_pinyin(text)
    return spans


_I_AM = re.compile(r"\b(?:i\s+am|i'm|im)\s+$", re.IGNORECASE)
_AFTER_ONE_NAME = re.compile(r"^\s*(?:$|[,.!;:，。！]|and\b|from\b|here\b)")


def _alone_after_i_am(text: str, intro: re.Match[str], word: str) -> bool:
    """ "I'm Kevin, …": one capitalised word after "I'm" and before a pause, that is neither a
    surname or a place alone ("I'm Wang", "I'm Gansu") nor a word that follows there."""
    low = word.lower()
    if not _I_AM.search(text[: intro.end()]) or low in PINYIN_SURNAMES:
        return False
    if low in PINYIN_NOT_PERSONS:
        return False
    if low in _NOT_NAMES_EN or low in _CAPITALISED_WORDS_EN or low in _PEOPLES_EN:
        return False
    return _AFTER_ONE_NAME.match(text[intro.end() + len(word) :]) is not None


# Words for a people, a faith or a place of origin that follow "I'm" ("I'm Hui", "I'm Uyghur").
_PEOPLES_EN = frozenset(
    """hui han uyghur uighur tibetan mongolian manchu zhuang miao yi tujia dong bai hani kazakh dai
    li korean japanese american british canadian australian indian pakistani russian french
    german muslim christian buddhist catholic atheist asian african european male female
    single married pregnant disabled unemployed employed retired local""".split()  # noqa: SIM905
)


def _ordinary_pair(first: str, second: str, explicit: bool) -> bool:
    """Two capitalised words after "I'm"/"This is" that may be a name: neither is a word that
    usually follows there ("This is Western Region Programme"), unless the label is explicit."""
    if second.lower() in _NOT_NAMES_EN:
        return False
    return explicit or not ({first.lower(), second.lower()} & _CAPITALISED_WORDS_EN)


# Capitalised words that follow "This is"/"I'm" in graduates' messages without being a name.
_CAPITALISED_WORDS_EN = frozenset(
    """western eastern northern southern central region regional programme program project plan
    computer science engineering business management finance accounting law medicine nursing
    education history chinese english civil service exam examination university college school
    institute department ministry bureau office centre center career human resources social
    security insurance national provincial city county district company group bank hospital
    master masters bachelor phd doctor degree student students graduate graduates teacher teachers
    volunteer volunteers special post selected question questions form application number
    platform website hotline subsidy loan start-up startup internship trainee job jobs
    day""".split()  # noqa: SIM905
)


def _lower_case_pinyin(text: str) -> list[Span]:
    """Pinyin names in lower case after a pinyin introduction or an English relation word."""
    spans: list[Span] = []
    pair = re.compile(r"([a-z]+)\s+([a-z]+(?:-[a-z]+)?)\b")
    for lead in (*_INTRO_PINYIN.finditer(text), *_relations(text)):
        m = pair.match(text, lead.end())
        if not m or m.group(1) in _ENGLISH_SYLLABLES or _not_a_person(m.group(1), m.group(2)):
            continue
        if _is_pinyin_name(m.group(1), m.group(2)):
            spans.append(m.span())
    return spans


def _relations(text: str) -> list[re.Match[str]]:
    out = []
    for m in re.finditer(r"\s+", text):
        if _RELATION_EN.search(text[: m.end()]):
            out.append(m)
    return out
