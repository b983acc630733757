"""The distress detector's rules: cue patterns, idiom guards, negation and topic framing.

:func:`rule_signals` reads one message and says which kinds of cue it holds; the detector
(:mod:`bot.chat.distress`) turns them into a level, alone (no embedding model) or as features of
its fitted model. :func:`plain_idioms` rewrites hyperbole into plain words before the message is
embedded, so the semantic check does not see "累死了" or "I'm dead 💀" as death words either.

The cue kinds:

* ``explicit``: a direct word for suicide or self-harm, a death wish, a farewell or a plan
  (自杀, 不想活了, 遗书, "kill myself"), slang and homophones included (紫砂, 想4了, zs, unalive,
  kms, pinyin "bu xiang huo").
* ``method``: a means next to an act (楼顶 … 跳, 安眠药 with 攒/吞/一整瓶, a rope, a noose,
  charcoal).
* ``soft``: hopelessness, wanting everything to stop, being a burden ("撑不下去了",
  "I can't go on").
* ``negated``: an explicit cue right after a negation ("我不会自杀的").
* ``topical``: the message is about a book, a course, research or a benefit (《活着》, 论文, 工亡).
* ``idiom``: a death word used as an intensifier was found (and removed before the cues ran).

What it leaves out: deciding (the detector and its fitted weights do that) and any reply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.normalize import to_simplified

_NO_STOP = r"[^，。,.!?！？；;\n]"

# --- idioms: death words as intensifiers, and what they mean in plain words ---------------------
# (pattern, plain words). Order matters: longer set phrases first.
_ADJ = (
    r"(?:累|烦|笑|怕|热|冷|冻|晒|饿|撑|困|忙|气|急|吓|丑|美|帅|萌|爽|闷|渴|疼|痛|挤|吵|懒|蠢|笨|穷|贵|"
    r"卷|难|馋|酸|臭|香|甜|辣|咸|土|糗|惨|醉|爱|羡慕|嫉妒|心疼|开心|高兴|激动|紧张|郁闷|后悔|担心|"
    r"麻烦|折腾|头疼|无聊|尴尬|丢人|丢脸|好笑|搞笑|可爱|好看|好吃|舒服|难受|委屈|崩溃|心烦|忙碌)"
)
_IDIOM_TABLE: tuple[tuple[str, str], ...] = (
    # 想死的心都有了: a set phrase for "utterly fed up", read as hyperbole (see the module notes)
    (r"(?:真是|简直|都)?想死的心都有了?", "懊恼极了"),
    (r"想死(?:你|您|你们|他|她|它|大家|宝宝)了?", "很想念你们"),
    (r"(?:笑|乐)(?:得|到)?(?:要)?(?:死|不活|去世|裂开)(?:了|啦|我了|人了)?|xswl", "太好笑了"),
    (r"\bawsl\b|啊我死了", "太可爱了"),
    (
        r"(?:哈{2,}|h{3,}|2333|😂|🤣)[^，。,.!?！？]{0,4}(?:我)?(?:要)?(?:死了|去世了|没了|不行了)|"
        r"(?:我)?(?:要)?(?:死了|去世了|不行了)[，,！!~\s]{0,2}(?:哈{2,}|h{3,}|2333|😂|🤣)",
        "太好笑了",
    ),
    (r"(?:原地|当场|直接|瞬间|集体)(?:去世|死亡|升天|暴毙|猝死)|社死|社会性死亡", "太尴尬了"),
    (r"我?人(?:已经|直接|都)?没了|我裂开了?|直接裂开", "崩溃了"),
    (
        r"死磕|死记硬背|死工资|死胡同|死心眼|死活|死心|死板|死机|死循环|死线|死党|死宅|死忠|死对头|死角|"
        r"死守|死扛|死撑|死缠烂打|该死的|半死不活|要死要活|死亡之组|死亡(?:问题|率|人数)",
        "那个",
    ),
    (
        rf"{_ADJ}(?:得|的|到)?(?:要死了?|死了|死我了|死人了?|死啦|死掉了|个半死|半死|死|要命)"
        r"(?!自己|我自己)",
        "极了",
    ),
    (r"(?:真是|简直|真)要(?:了)?(?:我的)?(?:老)?命", "太折腾了"),
    # someone or something "…死我": 念叨死我, 打死我 (said of others, as hyperbole; not 杀死我)
    (r"被[^，。,.!?！？]{1,8}逼(?:死|疯)(?:了)?", "压力很大"),
    (r"[\u4e00-\u9fff]?[\u4e00-\u9fff](?<![杀弄害掐勒])死我(?:了|啦|的|吧)?", "让我受不了"),
    (
        r"\b(?:(?:deadlines?|job\s+hunt(?:ing)?|job\s+search|commute|work|exams?|interviews?|boss|"
        r"this|that|it|they|heat|traffic|waiting|applications?|shoes|back|feet|[a-z]+)\s+"
        r"(?:is|are|was|were|'s|'re|will\s+be|has\s+been|have\s+been)\s*"
        r"(?:[a-z]+ly\s+)?killing\s+me)\b",
        "is wearing me out",
    ),
    (
        r"\b(?!i\b)[a-z]+\s+(?:will|would|is\s+going\s+to|'s\s+going\s+to|are\s+going\s+to|"
        r"'re\s+going\s+to|gonna)\s+(?:literally\s+)?kill\s+me\b",
        "will be angry with me",
    ),
    (r"\bkill(?:s|ed|ing)?\s+(?:some\s+)?time\b", "pass time"),
    (r"\b(?:just\s+)?kill\s+me\s+now\b", "this is too much"),
    (r"\bkill(?:ed)?\s+it\b|\babsolutely\s+killed\b", "did great"),
    (r"\bkill\s+two\s+birds\b|\b(?:i'?d|would)\s+kill\s+for\b|\bkiller\s+\w+", "really want"),
    (
        r"\bdying\s+(?:to|for|of\s+(?:laughter|boredom|curiosity|embarrassment)|laughing)\b|"
        r"\bdie\s+(?:of|from)\s+(?:embarrassment|shame|boredom|laughter|laughing|cringe)\b",
        "very eager",
    ),
    (
        r"\bdead\s+(?:tired|end|serious|set|line|ringer|on\s+(?:my|our)\s+feet|on)\b|"
        r"\bdrop[- ]dead\b",
        "very",
    ),
    (
        r"\b(?:i'?m|i\s+am|we'?re)\s+(?:so\s+|literally\s+|actually\s+)?dead\b(?=\s*(?:💀|😂|🤣|lol|lmao|haha))|"
        r"\bi'?m\s+(?:literally\s+)?dead\s*(?:💀|😂|🤣)|💀",
        "that is hilarious",
    ),
    (
        r"\b(?:phone|laptop|battery|computer|car|plant|plants)\s+(?:is\s+|was\s+|just\s+)?"
        r"(?:dying|died|dead)\b",
        "ran out",
    ),
    (
        r"\bto\s+die\s+for\b|\b(?:bored|scared|worried|stressed)\s+to\s+death\b|"
        r"\b(?:the\s+)?death\s+of\s+me\b|\bcareer\s+suicide\b|\bsuicide\s+(?:mission|squad)\b",
        "a lot",
    ),
    (
        r"\bkilling\s+myself\s+(?:trying|to\s+(?:get|finish|meet|make|keep)|over|for|at|with|on)\b|"
        r"\bworking\s+myself\s+to\s+death\b|\bwork(?:ed)?\s+to\s+death\b",
        "working very hard",
    ),
    (r"消失(?:一段时间|几天|一阵子|一下|一个月|半年|一周|一个星期)", "休息一阵子"),
    (r"消失在(?:人海|人群)(?:里|中)?", "过平凡的日子"),
    # a long sleep with an end to it (睡到自然醒, 睡一整天), not a wish never to wake
    (r"睡(?:上)?(?:一整天|一天一夜|三天三夜|个够|到自然醒|个好觉|到中午|个懒觉)", "好好休息"),
    (
        r"\bdisappear(?:ing)?\s+(?:to\s+(?:the\s+)?[a-z]+|for\s+(?:a|an|one|two|three|a\s+few|\d+)\s+"
        r"(?:days?|weeks?|weekends?|months?|while))\b",
        "take a break",
    ),
    (r"(?:游戏|副本|关卡|角色|王者|吃鸡)[^，。,.!?！？]{0,8}(?:死了|挂了|阵亡)", "游戏输了"),
)
_IDIOM_PATTERNS = tuple((re.compile(p, re.IGNORECASE), plain) for p, plain in _IDIOM_TABLE)

# --- explicit cues ------------------------------------------------------------------------------
_EXPLICIT = re.compile(
    r"自杀|轻生|寻死|自尽|自残|自伤|割腕|割手腕|割自己|伤害自己|弄伤自己|弄疼自己|"
    # internet homophones and abbreviations: 紫砂/自鲨/zs for 自杀, 4 for 死, pinyin
    r"紫砂|自鲨|自刹|自sha|自s(?![a-z])|zisha|zi\s+sha|(?:想|要|去|好想|准备)\s*zs(?![a-z])|(?<![a-z])zs(?:算了|了|吧)|\bwo\s*xiang\s*(?:qu\s*)?si\b|"
    r"(?:想|去|该)4(?:了|啊|吧|算了|的心|[，。！!,.\s]|$)|bu\s*xiang\s*huo|huo\s*bu\s*xia\s*qu|"
    r"(?:划|割|烫|扎|掐|扇|撞|砸)(?:了|伤|破|烂|出血)?(?:自己|手腕|手臂|胳膊|大腿)|(?:咬|抓)(?:伤|破|烂)?自己|"
    r"(?:刀|刀片|小刀|圆规|烟头|打火机|针)[^，。,.!?！？]{0,6}(?:划|割|烫|扎)(?:自己|手|腿|胳膊)?|"
    r"(?:又|开始|忍不住)(?:割|划)(?!水|船|算|分|拨|款|账|线|过|走|掉|重点|开|草|麦|韭菜|肉|舍|让|据|裂)了?|"
    r"不想活|不活了|活不下去|不想再活|不要活了|活够了|不想(?:再)?存在|"
    r"不(?:打算|准备|愿意|想|要)(?:再)?(?:继续)?活(?:下去|着了|了)|"
    r"(?:故意|狠狠)(?:地)?(?:饿|打|扇|掐|咬|烫|冻|摔|伤|划|割)(?:了|着|伤|破)?自己|"
    r"对自己(?:做(?:点|出)?(?:什么|傻事|不好的事)|下手|动手)|"
    r"(?:宁愿|希望|真希望)(?:自己)?(?:从来)?(?:没|没有|不)(?:存在|出生)|"
    r"没有?(?:活下去|活着)的(?:理由|意义|勇气|希望|必要|动力)|"
    r"想(?:去)?死|(?:准备|打算|决定|要去|就去|该去|想去)死|"
    r"死了(?:算了|就好了|也好|一了百了|就解脱|拉倒)|"
    r"不如(?:去)?死|一死了之|寻短见|一时想不开|"
    r"结束(?:掉)?(?:自己(?:的)?(?:生命|性命|这一生)?|我(?:的)?(?:生命|性命|这一生))|结束生命|"
    r"了结(?:自己|我自己|生命|此生)|"
    r"(?:自我|自己)了断|离开(?:这个|这)?(?:世界|人世|人间)|告别(?:这个)?(?:世界|人世)|"
    r"再见了?[，,\s]*(?:这个)?世界|"
    r"(?:一睡|睡着了?|睡过去|睡下去)(?:就)?(?:不|再也不|永远不|别再)(?:要)?(?:醒|起来)|"
    r"永远(?:地)?睡(?:过去|下去|着)|不想(?:再)?醒(?:来|过来)|"
    r"遗书|遗言|(?:交代|安排)(?:好)?(?:了)?后事|最后一次(?:跟|和)你(?:说话|聊天)|"
    r"\bkill(?:ing|ed)?\s+(?:my\s*self|me)\b|\bsuicid|\bunaliv|\bkms\b|\bsewer\s*slide|"
    r"\bdo\s+something\s+to\s+my\s*self\b|"
    r"\bend(?:ing)?\s+(?:my|it)\s+(?:own\s+)?(?:life|all)\b|\bend\s+it\s+(?:all|tonight|today|now)\b|"
    r"\btak(?:e|ing)\s+my\s+(?:own\s+)?life|"
    r"\b(?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(?:live|be\s+alive|exist|wake\s+up|be\s+here)|"
    r"\bwant(?:ed)?\s+to\s+die\b|\bwish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)|"
    r"\bwish\s+i\s+(?:didn'?t|did\s+not)\s+exist|better\s+off\s+(?:dead|without\s+me)|"
    r"\bnever\s+wake\s+up\b|\bnot\s+wake\s+up\b|"
    r"no\s+(?:reason|point)\s+(?:to|in|for\s+me\s+to)\s+(?:live|living|keep\s+living|be\s+alive)|"
    r"\b(?:hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?|burn(?:ing|ed)?)\s+my\s*self|self[- ]?harm|"
    r"overdos|\bhang\s+myself|\bsuicide\s+note|"
    r"\b(?:goodbye|farewell)\s+(?:forever|for\s+good|world)|\bwon'?t\s+be\s+alive\b|"
    r"\b(?:tired|sick)\s+of\s+(?:living|being\s+alive|existing)\b",
    re.IGNORECASE,
)
# Means next to an act or a stockpile: places to fall from, pills, poison, a rope, charcoal.
_METHOD = re.compile(
    r"(?:楼上|楼顶|顶楼|天台|阳台|窗台|窗户|桥上|桥边|江边|河边|海边|悬崖|\d+楼)"
    + _NO_STOP
    + r"{0,8}(?:跳(?:下去|下来|进去|了|楼|河|江|海|桥|吧)|往下跳|往下看)|"
    r"想(?:要)?(?:跳下去|往下跳|跳进去)|跳楼|跳河|跳江|跳海|跳桥|卧轨|上吊|烧炭|开煤气|"
    r"(?:攒|囤|存)(?:了)?(?:一?(?:大把|整瓶|一瓶|很多|好多|不少))?(?:的)?(?:安眠药|药片|农药)|"
    r"(?:吃|吞|喝|买|备|翻出)(?:了)?一?(?:大把|整瓶|一瓶|很多|好多|所有的?|全部的?)(?:的)?"
    r"(?:安眠药|药片|药|农药|百草枯|老鼠药)|(?:吞|喝)(?:了)?(?:安眠药|农药|百草枯|老鼠药)|"
    r"(?:安眠药|药)" + _NO_STOP + r"{0,8}(?:全吃|全吞|一次吃|一次性吃|一起吃)|"
    r"(?:一整瓶|一大把|整瓶)(?:的)?(?:药|安眠药)|吃多少(?:片|粒)?(?:药)?(?:会|能|才能)死|"
    r"喝(?:了)?(?:半瓶|一瓶)?农药|(?:木炭|炭)" + _NO_STOP + r"{0,8}(?:胶带|密封|房间)|"
    r"绳子" + _NO_STOP + r"{0,6}(?:挂|准备|买好|系)|(?:挂好|准备好|买好)了?绳子|"
    r"(?:冲|走)(?:到|进)?(?:马路|车流)" + _NO_STOP + r"{0,4}(?:撞|中间)|让车撞|"
    r"(?:刀|刀片|剪刀|小刀|美工刀|绳子|安眠药|药片|农药)" + _NO_STOP + r"{0,4}"
    r"(?:就在手边|在手边|握在手里|拿在手里|放在枕头(?:下|底下|边))|"
    r"(?:查|搜|搜索|研究|打听|看)"
    + _NO_STOP
    + r"{0,8}(?:桥|楼|大厦|天台|悬崖|水库)"
    + _NO_STOP
    + r"{0,4}(?:多高|最高|够高|多深|最深|几层)|"
    r"\b(?:look(?:ing|ed)?\s+up|search(?:ing|ed)?(?:\s+for)?|googl\w+|check(?:ing|ed)?)\s+how\s+"
    r"(?:high|tall|deep)\s+(?:\w+\s+){0,4}?(?:bridge|building|roof|tower|cliff|balcony)s?\b|"
    r"\b(?:jump(?:ing)?|throw(?:ing)?\s+myself)\s+(?:off|from|in\s+front\s+of)\s+"
    r"(?:a|the|my|this|that)?\s*(?:roof|building|bridge|balcony|cliff|window|train|tower|ledge)|"
    r"\b(?:saving|saved|stockpil\w*|hoard\w*)\s+(?:up\s+)?(?:pills|tablets|meds)|"
    r"\bhow\s+many\s+(?:\w+\s+){0,2}(?:pills|tablets)\s+(?:would\s+it\s+take|does\s+it\s+take|"
    r"to\s+(?:die|kill|overdose|not\s+wake))|\bnoose\b|\bwalk(?:ing)?\s+into\s+traffic|"
    r"\bdrown(?:ing)?\s+myself|\b(?:on|at)\s+the\s+edge\s+of\s+the\s+(?:roof|bridge|building)",
    re.IGNORECASE,
)
# Softer signs: hopelessness, exhaustion with living, wanting everything to stop.
_SOFT = re.compile(
    r"活着(?:真|好|太|也|都|就|实在)?(?:的)?(?:没|没有)(?:意思|意义|劲|盼头|希望)|"
    r"活着(?:真|好|太|实在)(?:的)?累|"
    r"生无可恋|人生(?:没有|没|毫无)(?:希望|意义|盼头)|万念俱灰|心如死灰|不想再继续(?:下去)?了|"
    r"(?:结束|了结)(?:这)?一切|想(?:彻底)?解脱|想消失|(?:彻底)?消失(?:掉)?算了|"
    r"想(?:去)?(?:去世|离世)|不想(?:要)?(?:未来|以后)|不在了|早点走|想不开|做傻事|永别|"
    r"下辈子(?:再也)?不(?:要|想)?(?:再)?做人|惩罚自己|"
    r"(?:打算|准备|决定|想)(?:就)?(?:这样)?结束(?:了|吧|掉)?(?=[，。！？,.!?\s…]|$)|"
    r"(?:那天|今晚|今天|明天|周末|到时候)(?:我)?就动手|(?:准备|打算|决定)动手|"
    r"一了百了|(?:去|到)(?:另一个|另外一个|另一边的?)世界|"
    r"(?:以后|往后|今后)(?:你们|你|她|他|爸妈)?(?:要)?(?:照顾好|好好照顾)(?:自己|爸妈|家里)|"
    r"拖累(?:家里|家人|父母|爸妈)|(?:没有|没)我(?:他们|大家|家里)?(?:会)?(?:更好|过得更好)|"
    r"\bno\s+point\s+in\s+(?:anything|going\s+on)|\bwant\s+(?:it|this|"
    r"everything)\s+(?:all\s+)?to\s+(?:stop|end)|\bgive\s+up\s+on\s+(?:life|everything)|"
    r"\bdisappear\s+(?:forever|for\s+good)|\bburden\s+(?:to|on)\s+(?:my|everyone)|"
    r"\bwon'?t\s+be\s+(?:around|here)\s+(?:much\s+longer|anymore|tomorrow|long)|"
    r"\bbefore\s+i\s+go\b|\bno\s+future\s+for\s+me|\bgoodbye\s+everyone|\bthis\s+is\s+goodbye|"
    r"\b(?:going|want|planning|plan|decided|ready)\s+to\s+end\s+it\b|\b(?:tired|sick)\s+of\s+life\b",
    re.IGNORECASE,
)
# Strain: words for not coping that people also use about a job or an exam ("这个实习撑不下去了").
# They count only when the same clause names no work or study (see _WORK).
_STRAIN = re.compile(
    r"没有(?:任何)?希望了|绝望|撑不下去|撑不住了|熬不下去|坚持不下去|扛不住了|不想(?:再)?(?:坚持|撑)|"
    r"\bhopeless\b|\bcan'?t\s+(?:go\s+on|do\s+this\s+anymore|take\s+(?:it|this)\s+anymore|"
    r"keep\s+going)|\bno\s+point\s+in\s+trying",
    re.IGNORECASE,
)
_WORK = re.compile(
    r"工作|实习|上班|加班|公司|单位|岗位|行业|专业|考研|考公|考编|考试|复习|学习|论文|答辩|面试|笔试|"
    r"简历|offer|求职|找工作|秋招|春招|项目|老板|领导|同事|导师|课|作业|ddl|"
    r"\b(?:job|jobs|work|internship|exam|exams|interview|interviews|thesis|boss|applications?|"
    r"market|career|course|study|studying|pressure|deadline|deadlines|company|field|industry)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^，。,.!?！？；;\n…]+")
# A negation just before a cue ("我不会自杀的", "I would never hurt myself").
_NEGATED = re.compile(
    # A-not-A questions are no negation: 要不要, 会不会, 有没有, 想不想
    r"(?:(?<!会)不会|(?<!有)没有|没想|并没|从没|从来没|不是(?:要|想)|(?<!要)不要|别|并不|(?<![想要])不|"
    r"never|not|won'?t|wouldn'?t|"
    r"didn'?t|don'?t\s+worry[, ]*i'?m\s+not|i'?m\s+not)\s*(?:去|想|要|再|真的|going\s+to)?\s*$",
    re.IGNORECASE,
)
# A message about a topic (a book, a film, a course, research, a benefit) rather than the writer.
_TOPIC = re.compile(
    r"《[^》]{1,40}》|关于(?:自杀|死亡|自伤|自残)|论文|课程|课上|读后感|观后感|作业|"
    r"考研要考|资料|文献|研究|干预|预防|统计|数据|小说|电影|影片|剧里|书里|这本书|文学|历史|故事|"
    r"典故|诗人|诗歌|作家|作者|作品|名著|传记|人物|角色|主角|剧情|结局|歌词|纪录片|新闻|报道|案例|案件|"
    r"报告|书评|影评|课堂|讨论|独白|翻译|赔偿金|补助金|抚恤金|丧葬|工亡|因工死亡|身故|遗属|遗产|"
    r"就业方向|职业前景|心理咨询师|志愿者|热线|"
    r"\b(?:thesis|essay|dissertation|prevention|statistics|novel|film|movie|book|literature|"
    r"research|course|lecture|history|poem|poet|benefit|compensation|character|article|"
    r"class|presentation|hotline|volunteer|report|review|documentary|news|biography|author|"
    r"lyrics|play|case\s+study)s?\b|"
    r"\b(?:is|are|was|were|really|book|film|movie|essay|article|talk|lecture)\s+about\s+"
    r"(?:suicide|death|dying|self[- ]harm)",
    re.IGNORECASE,
)
# In a message about a topic, a cue counts only with the writer as its subject: the cue names
# the writer (割自己, "kill myself") or the writer comes right before it, with at most a few
# adverbs or modal verbs between ("我真的想死", "I keep thinking about ending my life"), not a
# verb of reading or writing ("我想知道他为什么自杀", "I'm writing about suicide").
_SELF_IN_CUE = re.compile(r"我|自己|\bmy\s*self\b|\bmy\s+(?:own\s+)?life\b|\bme\b", re.IGNORECASE)
_SELF_BEFORE = re.compile(
    r"(?:我|俺)(?:自己)?(?:真的|真|好|很|就|都|还|又|也|会|要|想|打算|准备|已经|一直|总是|经常|老是|"
    r"有时候?|甚至|差点|不如|宁愿|只想|再){0,3}$|"
    r"\bi\s*(?:'m|am|'ve|have|keep|often|sometimes|really|still|just|want\s+to|wanna|will|'ll|"
    r"started|start|began|kept|went\s+back\s+to|"
    r"might|been|thinking\s+(?:about|of)|going\s+to|gonna|\s)*$",
    re.IGNORECASE,
)
_SELF_WINDOW = 12
_NEGATION_WINDOW = 14
_QUESTION = re.compile(
    r"[?？]|[吗呢]\s*$|怎么|如何|什么|哪些|哪里|哪个|多少|是否|能不能|可不可以|有没有|需要|"
    r"\b(?:how|what|which|when|where|who|can\s+i|do\s+i|is\s+there|should\s+i)\b",
    re.IGNORECASE,
)


_CJK = "\u3400-\u9fff"
# a symbol typed inside a Chinese word to get it past a filter (自*杀, 自.杀, 跳_楼)
_SYMBOL_IN_WORD = re.compile(rf"(?<=[{_CJK}])[*#@.·•\-_~^/\\|\u200b]+(?=[{_CJK}])")
# a space next to a lone character (不想 活 了, 自 杀): a word spelt out to dodge a filter; a
# space between two longer runs is a clause break and stays
_SPACED_OUT = re.compile(
    rf"(?<=(?<![{_CJK}])[{_CJK}]) +(?=[{_CJK}])|(?<=[{_CJK}]) +(?=[{_CJK}](?![{_CJK}]))"
)
# 死 written as a letter, a digit or a look-alike (想s, 好想si, 想4了, 笑s, 累4了) after a verb of
# wanting or an intensified adjective, and before a particle or a break
_DEATH_SPELLING = re.compile(
    rf"((?:想|去|该|要|{_ADJ}))(?:4|s|si|sǐ|sì|sí|似)(?=了|啦|啊|吧|呀|掉|算了|的心|我|人|[，。！？!?,.\s~]|$)"
)
# English words with a symbol or digit standing for a letter (k*ll, su1cide, d!e)
_MASKED_TOKEN = re.compile(r"(?<![a-z0-9*#@$!%])[a-z0-9](?:[a-z0-9*#@$!%]*[a-z0-9])?")
_MASK_ANY = set("*#%")
_LEET = {"1": "il", "!": "il", "3": "e", "0": "o", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t"}
_MASKED_WORDS = (
    "kill", "killed", "killing", "suicide", "suicidal", "die", "dying", "dead", "death",
    "myself", "unalive", "unaliving", "overdose", "hang", "cutting",
)  # fmt: skip


def normalise(text: str) -> str:
    """Full-width forms folded (ＡＢＣ → ABC), traditional characters simplified (輕生 → 轻生),
    curly apostrophes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", to_simplified(text)).strip()


def unmasked(text: str) -> str:
    """``text`` (normalised) with the usual ways of dodging a word filter undone: symbols and
    spaces inside a Chinese word dropped, 死 spelt as s/si/4 restored, masked English words
    (k*ll, su1cide) spelt out. Idioms are rewritten after this, so 笑s reads as 笑死 → 太好笑了."""
    text = _SYMBOL_IN_WORD.sub("", text)
    text = _SPACED_OUT.sub("", text)
    text = _DEATH_SPELLING.sub(lambda m: m.group(1) + "死", text)
    return _MASKED_TOKEN.sub(_unmask_word, text)


def _unmask_word(match: re.Match[str]) -> str:
    token = match.group(0)
    lowered = token.lower()
    if lowered.isalpha() or lowered.isdigit() or not any(c.isalpha() for c in lowered):
        return token
    for word in _MASKED_WORDS:
        if len(word) != len(lowered):
            continue
        letters = 0
        for got, want in zip(lowered, word, strict=True):
            if got == want:
                letters += 1
            elif not (got in _MASK_ANY or want in _LEET.get(got, "")):
                break
        else:
            if letters >= 2:
                return word
    return token


def plain_idioms(text: str) -> str:
    """``text`` with death-word idioms rewritten in plain words (累死了 → 累极了)."""
    for pattern, plain in _IDIOM_PATTERNS:
        text = pattern.sub(_rewriter(plain), text)
    return text


def _rewriter(plain: str) -> Callable[[re.Match[str]], str]:
    def rewrite(match: re.Match[str]) -> str:
        return _keep_head(match.group(0), plain)

    return rewrite


def _keep_head(found: str, plain: str) -> str:
    """累死了 → 累极了: an intensified adjective keeps its adjective."""
    if plain == "极了":
        head = re.match(_ADJ, found)
        return (head.group(0) if head else "") + plain
    return f" {plain} " if found.isascii() else plain


def without_idioms(text: str) -> str:
    """``text`` with death-word idioms replaced by plain words, so the cues do not see them."""
    return plain_idioms(text)


def has_idiom(text: str) -> bool:
    return any(pattern.search(text) for pattern, _ in _IDIOM_PATTERNS)


@dataclass(frozen=True)
class RuleSignals:
    """Which kinds of cue one message holds (each the first match, "" when none)."""

    explicit: str = ""
    method: str = ""
    soft: str = ""
    strain: str = ""
    negated: str = ""
    topical: bool = False
    idiom: bool = False
    question: bool = False
    third_person: bool = False


_OTHERS = re.compile(
    r"(?:朋友|同学|室友|舍友|闺蜜|男朋友|女朋友|对象|妹妹|姐姐|弟弟|哥哥|表哥|表姐|表弟|表妹|学弟|学妹|"
    r"学长|学姐|同事|妈妈|爸爸|我妈|我爸|她|他)"
    r"|\b(?:my\s+(?:friend|roommate|sister|brother|mom|mum|dad|girlfriend|boyfriend|classmate|"
    r"colleague|cousin)|she|he|her|his)\b",
    re.IGNORECASE,
)


def _first_unnegated(pattern: re.Pattern[str], text: str) -> str:
    for match in pattern.finditer(text):
        if not _NEGATED.search(text[max(0, match.start() - _NEGATION_WINDOW) : match.start()]):
            return match.group(0)
    return ""


def rule_signals(message: str) -> RuleSignals:
    """The cues in ``message`` (idioms rewritten first, topics and negations taken into account)."""
    raw = unmasked(normalise(message))
    text = without_idioms(raw)
    topical = _TOPIC.search(text) is not None
    explicit = method = negated = ""
    for pattern, kind in ((_EXPLICIT, "explicit"), (_METHOD, "method")):
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - _NEGATION_WINDOW) : match.start()]
            before_cue = text[max(0, match.start() - _SELF_WINDOW) : match.start()]
            about_writer = _SELF_IN_CUE.search(match.group(0)) or _SELF_BEFORE.search(before_cue)
            if topical and not about_writer:
                continue  # the topic's words, not the writer's
            if _NEGATED.search(before):
                negated = negated or match.group(0)
                continue
            if kind == "explicit":
                explicit = explicit or match.group(0)
            else:
                method = method or match.group(0)
    soft = _first_unnegated(_SOFT, text)
    strain = ""
    for clause in _CLAUSE.findall(text):
        strain = strain or ("" if _WORK.search(clause) else _first_unnegated(_STRAIN, clause))
    return RuleSignals(
        explicit=explicit,
        method=method,
        soft=soft,
        strain=strain,
        negated=negated,
        topical=topical,
        idiom=text != raw,
        question=_QUESTION.search(text) is not None,
        third_person=_OTHERS.search(text) is not None,
    )
