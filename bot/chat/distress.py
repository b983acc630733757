"""Is a graduate possibly in crisis? Rules plus a nearest-neighbour check over a phrasing bank.

:meth:`DistressDetector.assess` runs on every message, before any routing, and returns a level:

* ``likely``: the coach replies with care and the crisis lines instead of an answer, and flags
  the conversation. Reached by an explicit cue (a direct word for suicide or self-harm, a method,
  a farewell) or by the semantic check leading by a clear margin.
* ``possible``: the normal answer is given **with** the crisis lines appended, and the
  conversation is flagged. Reached by a softer cue (hopelessness, "撑不下去了", "I can't go on"),
  an explicit cue under a negation ("我不会自杀"), or a small semantic lead.
* ``none``.

Idioms that use death words as intensifiers (累死了, 笑死, 烦死了, 怕死了, "the deadline is killing
me", "kill time") are blanked out before the rules look at a message; the bank's calm side holds
such idioms so the semantic check finds them nearer to calm lines than to crisis lines.

The semantic check embeds the message (and each of its sentences) as queries with the model the
knowledge base already loaded (any LangChain ``Embeddings``), and compares each with the bank in
``knowledge/crisis_bank.yaml``: the score is the mean similarity of the two nearest crisis lines
minus that of the two nearest calm lines. Bank lines are embedded as passages, so they land in
the persistent embedding cache; messages are embedded as queries and are never written to disk.
When embedding fails, the rules alone decide (logged, never raised). What it leaves out: the
reply itself (``coach`` and ``crisis``) and telling a counselor (``bot.store`` and
``bot.notify``).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.resources import data_path

log = logging.getLogger(__name__)

Level = Literal["none", "possible", "likely"]
_RANK: dict[Level, int] = {"none": 0, "possible": 1, "likely": 2}
_NEAREST = 2  # neighbours averaged on each side of the bank
_MAX_UNITS = 8  # the whole message and at most this many sentences are embedded
_MIN_UNIT_CHARS = 4

# --- rules -------------------------------------------------------------------------------------
# Death words used as intensifiers or in set phrases. They are blanked out before the cues run.
_IDIOMS = re.compile(
    r"(?:累|烦|笑|怕|热|冷|饿|困|忙|气|急|吓|丑|美|爽|闷|渴|疼|痛|挤|吵|懒|蠢|穷|贵|卷|难|馋|酸|"
    r"无聊|尴尬|羡慕|嫉妒|心疼|开心|高兴|激动|紧张|郁闷|后悔|担心|麻烦|折腾|头疼)"
    r"(?:得|的)?(?:要死了?|死了|死我了|死人了?|死啦|死掉了|个半死|死)|"
    r"想死(?:你|您|你们|他|她|它|大家)了?|(?:笑|乐)死|半死不活|要死要活|"
    r"死(?:磕|记硬背|工资|胡同|活|心|板|机|循环|线|党|宅|忠|对头|角|守|扛|撑|缠烂打)|该死的|"
    r"\b(?:deadlines?|job\s+hunt(?:ing)?|job\s+search|commute|work|exams?|interviews?|boss|"
    r"this|that|it|they|heat|traffic|waiting|applications?|shoes|back|feet)\s+(?:is|are|was|"
    r"were|'s|'re)?\s*(?:really\s+|literally\s+|totally\s+)?killing\s+me\b|"
    r"\bkill(?:s|ed|ing)?\s+(?:some\s+)?time\b|\bkill(?:ed)?\s+it\b|\bdying\s+to\b|"
    r"\bdead\s+(?:tired|end|serious|set|line|ringer|on)\b|\bdrop[- ]dead\b|"
    r"\b(?:phone|laptop|battery|computer|car)\s+(?:is\s+|was\s+)?(?:dying|died|dead)\b|"
    r"\bto\s+die\s+for\b|\bbored\s+to\s+death\b|\bscared\s+to\s+death\b|"
    r"\bkilling\s+myself\s+(?:trying|to\s+(?:get|finish|meet|make|keep)|over|for|at|with)\b|"
    r"\bworking\s+myself\s+to\s+death\b|消失(?:一段时间|几天|一阵子|一下|一个月|半年)",
    re.IGNORECASE,
)
# Explicit: suicide and self-harm words, death wishes, methods, plans and farewells.
_EXPLICIT = re.compile(
    r"自杀|轻生|寻死|自尽|自残|自伤|割腕|割手腕|割自己|伤害自己|弄伤自己|"
    # internet homophones: 紫砂/自鲨 for 自杀, 4 for 死
    r"紫砂|自鲨|自刹|自sha|zisha|(?:想|去|该)4(?![0-9])|"
    r"(?:划|割|烫|扎|掐|扇|撞|咬)(?:了|伤|破|烂)?(?:自己|手腕|手臂|胳膊|大腿)|"
    r"(?:刀|刀片|小刀|圆规|烟头|打火机|针)[^，。,.!?！？]{0,6}(?:划|割|烫|扎)(?:自己|手|腿|胳膊)?|"
    r"(?:又|开始|忍不住)(?:割|划)了?|"
    r"不想活|不活了|活不下去|不想再活|不想(?:再)?存在|(?:宁愿|希望|真希望)(?:自己)?(?:从来)?(?:没|没有|不)存在|"
    r"没有?活下去的(?:理由|意义|勇气|希望|必要|动力)|"
    r"想(?:去)?死|(?:准备|打算|决定|要去|就去|该去|想去)死|死了(?:算了|就好了|也好|一了百了|就解脱)|"
    r"不如(?:去)?死|一死了之|寻短见|想不开|"
    r"结束(?:掉)?(?:自己|我)(?:的)?(?:生命|性命)|结束生命|了结(?:自己|我自己|生命|此生)|"
    r"(?:自我|自己)了断|离开(?:这个|这)?(?:世界|人世|人间)|告别(?:这个)?(?:世界|人世)|"
    r"(?:一睡|睡着了?|睡过去|睡下去)(?:就)?(?:不|再也不|永远不)(?:要)?(?:醒|起来)|永远(?:地)?睡(?:过去|下去|着)|"
    r"不想(?:再)?醒(?:来|过来)|(?:楼上|楼顶|顶楼|天台|阳台|窗台|窗户|桥上|桥边)[^，。,.!?！？]{0,6}跳|"
    r"想(?:要)?(?:跳下去|往下跳)|跳楼|跳河|跳江|"
    r"跳海|跳桥|卧轨|上吊|烧炭|(?:吃|吞|攒|囤)(?:了)?(?:一?(?:大把|整瓶|一瓶|很多|好多))?(?:安眠药|药片|农药)|"
    r"喝(?:了)?农药|遗书|遗言|(?:交代|安排)(?:好)?(?:了)?后事|最后一次(?:跟|和)你(?:说话|聊天)|"
    r"永别|下辈子(?:再也)?不(?:要|想)?(?:再)?做人|"
    r"\bkill(?:ing|ed)?\s+(?:my\s*self|me)\b|\bsuicid|\bend(?:ing)?\s+(?:my|it)\s+(?:own\s+)?"
    r"(?:life|all)\b|\bend\s+it\s+(?:all|tonight|today|now)\b|\btak(?:e|ing)\s+my\s+(?:own\s+)?life|"
    r"\b(?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(?:live|be\s+alive|exist|wake\s+up|be\s+here)|"
    r"\bwant(?:ed)?\s+to\s+die\b|\bwish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)|"
    r"better\s+off\s+(?:dead|without\s+me)|\bnever\s+wake\s+up\b|"
    r"no\s+(?:reason|point)\s+(?:to|in|for\s+me\s+to)\s+(?:live|living|keep\s+living|be\s+alive)|"
    r"\b(?:hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?)\s+my\s*self|self[- ]harm|overdos|"
    r"\b(?:jump(?:ing)?|throw(?:ing)?\s+myself)\s+(?:off|from|in\s+front\s+of)\s+(?:a|the|my|this|"
    r"that)?\s*(?:roof|building|bridge|balcony|cliff|window|train|tower|ledge)|\bhang\s+myself|"
    r"\bsuicide\s+note|\b(?:goodbye|farewell)\s+(?:forever|for\s+good|everyone)|"
    r"\bwon'?t\s+be\s+(?:around|here|alive)\s+(?:much\s+longer|anymore|tomorrow|after)|"
    r"\b(?:tired|sick)\s+of\s+(?:living|being\s+alive|life)\b",
    re.IGNORECASE,
)
# Softer signs: hopelessness, exhaustion with living, wanting everything to stop.
_SOFT = re.compile(
    r"活着(?:真|好|太|也|都|就|实在)?(?:的)?(?:没|没有)(?:意思|意义|劲|盼头|希望)|活着(?:真|好|太|实在)(?:的)?累|"
    r"生无可恋|人生(?:没有|没|毫无)(?:希望|意义|盼头)|没有(?:任何)?希望了|绝望|万念俱灰|心如死灰|"
    r"撑不下去|撑不住了|熬不下去|坚持不下去|扛不住了|不想(?:再)?坚持了|不想再继续(?:下去)?了|"
    r"(?:结束|了结)(?:这)?一切|想(?:彻底)?解脱|想消失|(?:彻底)?消失(?:掉)?算了|"
    r"拖累(?:家里|家人|父母|爸妈)|(?:没有|没)我(?:他们|大家|家里)?(?:会)?更好|"
    r"\bhopeless\b|\bcan'?t\s+(?:go\s+on|do\s+this\s+anymore|take\s+(?:it|this)\s+anymore|"
    r"keep\s+going)|\bno\s+point\s+in\s+(?:anything|trying|going\s+on)|\bwant\s+(?:it|this|"
    r"everything)\s+(?:all\s+)?to\s+(?:stop|end)|\bgive\s+up\s+on\s+(?:life|everything)|"
    r"\bdisappear\s+(?:forever|for\s+good)|\bburden\s+(?:to|on)\s+(?:my|everyone)",
    re.IGNORECASE,
)
# A negation just before an explicit cue ("我不会自杀的", "I would never hurt myself") lowers it.
_NEGATED = re.compile(
    r"(?:不会|没有|没想|并没|从没|从来没|不是(?:要|想)|不要|别|never|not|won'?t|wouldn'?t|"
    r"didn'?t|don'?t\s+worry[, ]*i'?m\s+not)\s*(?:去|想|要|再)?\s*$",
    re.IGNORECASE,
)
# A message about a topic (a book, a film, a course, research, a benefit) rather than about the
# writer: an explicit cue in it counts only when the writer speaks of themselves next to it.
_TOPIC = re.compile(
    r"《[^》]{1,40}》|关于(?:自杀|死亡|自伤|自残)|论文|课程|读后感|观后感|作业|考研要考|资料|文献|研究|干预|预防|统计|数据|小说|"
    r"电影|影片|剧里|书里|这本书|文学|历史|故事|典故|诗人|作家|独白|翻译|赔偿金|补助金|抚恤金|工亡|"
    r"因工死亡|就业方向|职业前景|心理咨询师|"
    r"\b(?:thesis|essay|dissertation|prevention|statistics|novel|film|movie|book|literature|"
    r"research|course|lecture|history|poem|poet|benefit|compensation|character|article)s?\b|"
    r"\b(?:is|are|was|were|really|book|film|movie|essay|article|talk|lecture)\s+about\s+"
    r"(?:suicide|death|dying|self[- ]harm)",
    re.IGNORECASE,
)
# the writer as the subject ("我的论文" is the writer's topic, not the writer)
_SELF = re.compile(r"我(?!的)|\bi\b|\bi'm\b|\bmy\s*self\b|\bme\b", re.IGNORECASE)
_SELF_WINDOW = 12
_SENTENCE = re.compile(r"[^。！？!?；;\n.]+[。！？!?；;.]*")


@dataclass(frozen=True)
class Assessment:
    """How worried to be about one message, and why (for the counselor and the logs)."""

    level: Level
    reason: str = ""
    score: float | None = None  # the semantic lead of crisis over calm lines, when measured

    @property
    def raised(self) -> bool:
        return self.level != "none"


NONE = Assessment("none")


class Margins(BaseModel):
    likely: float
    possible: float
    # a soft cue alone ("hopeless") is dropped when the semantic check is at least this sure the
    # message is calm (its lead at or below this); -1 never drops it
    soft_veto: float = -1.0

    @field_validator("possible")
    @classmethod
    def _ordered(cls, value: float, info: object) -> float:
        likely = getattr(info, "data", {}).get("likely")
        if likely is not None and value > likely:
            raise ValueError("possible must not be above likely")
        return value


class CrisisBank(BaseModel):
    """``knowledge/crisis_bank.yaml``: crisis and calm phrasings, grouped, and the margins."""

    version: int = 1
    margins: dict[str, Margins]
    crisis: dict[str, list[str]] = Field(min_length=1)
    calm: dict[str, list[str]] = Field(min_length=1)

    @field_validator("margins")
    @classmethod
    def _has_default(cls, value: dict[str, Margins]) -> dict[str, Margins]:
        if "default" not in value:
            raise ValueError("margins needs a 'default' entry")
        return value

    @field_validator("crisis", "calm")
    @classmethod
    def _lines(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for group, lines in value.items():
            if not lines or any(not str(line).strip() for line in lines):
                raise ValueError(f"group {group!r} is empty or has an empty line")
        return value

    def lines(self, side: Literal["crisis", "calm"]) -> list[str]:
        groups = self.crisis if side == "crisis" else self.calm
        return [line.strip() for lines in groups.values() for line in lines]

    def margins_for(self, embedding_id: str) -> Margins:
        return self.margins.get(embedding_id, self.margins["default"])


def default_bank_path() -> Path:
    return data_path("knowledge", "crisis_bank.yaml")


def load_bank(path: Path | None = None) -> CrisisBank:
    """Read and validate the bank; a broken file is a :class:`ConfigError` naming the field."""
    path = path or default_bank_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CrisisBank.model_validate(raw)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(
            f"crisis phrasing bank {path} cannot be read: {error}",
            message_zh=f"危机表述库 {path} 无法读取：{error}",
        ) from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ConfigError(
            f"crisis phrasing bank {path}: field '{where}': {first['msg']}",
            message_zh=f"危机表述库 {path}：字段“{where}”有误：{first['msg']}",
        ) from error


def normalise(text: str) -> str:
    """Full-width forms folded (ＡＢＣ → ABC), curly apostrophes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def without_idioms(text: str) -> str:
    """``text`` with death-word idioms blanked out, so the cues do not see them."""
    return _IDIOMS.sub(" ", text)


def is_topical(message: str) -> bool:
    """True when the message is about a topic (a book, a course, research, a benefit)."""
    return _TOPIC.search(without_idioms(normalise(message))) is not None


def rule_level(message: str) -> Assessment:
    """The rules' verdict alone (no embedding)."""
    text = without_idioms(normalise(message))
    negated = ""
    topical = _TOPIC.search(text) is not None
    for match in _EXPLICIT.finditer(text):
        before = text[max(0, match.start() - 14) : match.start()]
        near = text[max(0, match.start() - _SELF_WINDOW) : match.end()]
        if topical and not _SELF.search(near):
            continue  # the topic's words, not the writer's: the semantic check decides
        if _NEGATED.search(before):
            negated = match.group(0)
            continue
        return Assessment("likely", f"rule: {match.group(0)}")
    if negated:
        return Assessment("possible", f"rule (negated): {negated}")
    soft = _SOFT.search(text)
    if soft:
        return Assessment("possible", f"rule: {soft.group(0)}")
    return NONE


def units(message: str) -> list[str]:
    """The whole message and its sentences (when there are several), for embedding."""
    text = normalise(message)
    parts = [p.strip() for p in _SENTENCE.findall(text)]
    parts = [p for p in parts if len(p) >= _MIN_UNIT_CHARS]
    out = [text]
    if len(parts) > 1:
        out += parts[:_MAX_UNITS]
    return list(dict.fromkeys(out))


class DistressDetector:
    """Rules, then (when an embedding model is given) the nearest-neighbour check.

    ``embedding_id`` (``provider:model``) picks the bank's margins for that model.
    """

    def __init__(
        self,
        bank: CrisisBank,
        embeddings: Embeddings | None = None,
        *,
        embedding_id: str = "",
        margins: Margins | None = None,
    ) -> None:
        self.bank = bank
        self.embeddings = embeddings
        self.margins = margins or bank.margins_for(embedding_id)
        self._lock = threading.Lock()
        self._crisis: np.ndarray | None = None
        self._calm: np.ndarray | None = None

    def assess(self, message: str) -> Assessment:
        """The level for ``message``: the higher of the rules' and the semantic check's."""
        if not message.strip():
            return NONE
        by_rule = rule_level(message)
        if by_rule.level == "likely" or self.embeddings is None:
            return by_rule
        try:
            lead = self.semantic_lead(message)
        except Exception as error:  # an embedding failure must never cost the graduate an answer
            log.warning("semantic distress check failed, rules only: %s", error)
            return by_rule
        reason = f"semantic lead {lead:.3f}"
        if is_topical(message):
            # about a book, a course or a benefit: only a clear lead raises it, and only to possible
            level: Level = "possible" if lead >= self.margins.likely else "none"
            semantic = Assessment(level, f"{reason} (topic)", lead)
        elif lead >= self.margins.likely:
            semantic = Assessment("likely", reason, lead)
        elif lead > self.margins.possible:
            semantic = Assessment("possible", reason, lead)
        else:
            semantic = Assessment("none", "", lead)
        if by_rule.level == "possible" and lead <= self.margins.soft_veto:
            by_rule = Assessment("none", f"{by_rule.reason}, vetoed by {reason}")
        if semantic.level == "none":
            return Assessment(by_rule.level, by_rule.reason, lead)
        if _RANK[by_rule.level] >= _RANK[semantic.level]:
            return Assessment(by_rule.level, by_rule.reason, lead)
        return semantic

    def semantic_lead(self, message: str) -> float:
        """Highest, over the message and its sentences, of crisis minus calm nearest similarity."""
        crisis, calm = self._bank_vectors()
        assert self.embeddings is not None
        best = -1.0
        for unit in units(message):
            q = _unit(np.asarray(self.embeddings.embed_query(unit), dtype=np.float32))
            lead = _nearest(crisis @ q) - _nearest(calm @ q)
            best = max(best, lead)
        return best

    def warm_up(self) -> None:
        """Embed the bank now (at start-up) instead of on the first message."""
        if self.embeddings is not None:
            self._bank_vectors()

    def _bank_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if self._crisis is None or self._calm is None:
                assert self.embeddings is not None
                self._crisis = _matrix(self.embeddings.embed_documents(self.bank.lines("crisis")))
                self._calm = _matrix(self.embeddings.embed_documents(self.bank.lines("calm")))
            return self._crisis, self._calm


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _matrix(rows: list[list[float]]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def _nearest(similarities: np.ndarray) -> float:
    k = min(_NEAREST, similarities.shape[0])
    return float(np.sort(similarities)[-k:].mean())


def higher(a: Assessment, b: Assessment) -> Assessment:
    """The more worrying of two assessments."""
    return a if _RANK[a.level] >= _RANK[b.level] else b
