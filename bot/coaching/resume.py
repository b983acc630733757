"""Résumé review: offline checks a career-centre reviewer would make, each finding with a
``kind``, the text it concerns and a suggestion.

The file is read by the knowledge base's own readers (``pdf``, ``word``, plain text), after the
same size and type checks; nothing is stored here. Checks: the usual sections (教育、实习/工作、
项目、技能、获奖), one page for a new graduate, dates newest first and gaps longer than
:data:`GAP_MONTHS` explained, achievements written as results with numbers (写成果不写职责), the
requirements of a job description the résumé never mentions (jieba words), and personal data that
should not be on a résumé (身份证号, 家庭住址, 婚育). Findings about personal data never repeat
it: they show the redacted line. Model rewrites are :mod:`bot.coaching.rewrite`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel

from bot.errors import IngestError
from bot.knowledge.encoding import decode_text
from bot.knowledge.filetype import sniff
from bot.privacy import redact

MAX_BYTES = 5 * 1024 * 1024
GAP_MONTHS = 6  # a longer pause between two entries wants a word of explanation
CHARS_PER_PAGE = 1400  # a Word résumé longer than this is more than one page of 10.5-pt text
MIN_BULLET_CHARS = 4

SECTIONS: dict[str, tuple[str, str, re.Pattern[str]]] = {
    "education": ("教育背景", "Education", re.compile(r"教育|学历|education", re.I)),
    "experience": (
        "实习/工作经历",
        "Internships / work",
        re.compile(r"实习|工作经历|工作经验|任职|experience|employment|internship", re.I),
    ),
    "projects": ("项目经历", "Projects", re.compile(r"项目|课题|科研|project|research", re.I)),
    "skills": (
        "技能/证书",
        "Skills / certificates",
        re.compile(r"技能|证书|能力|skill|certif", re.I),
    ),
    "awards": (
        "获奖/荣誉",
        "Awards",
        re.compile(r"获奖|荣誉|奖励|奖学金|award|honou?r|prize", re.I),
    ),
}
_HEADING = re.compile(r"^\s*[【\[]?\s*([^\s：:，,。]{2,14})\s*[】\]]?\s*[：:]?\s*$")
_DUTY = re.compile(
    r"^(?:负责|参与|协助|配合|帮助|主要负责|日常|承担|responsible for|assisted|helped|"
    r"participated in|involved in|duties)",
    re.I,
)
_DIGIT = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|项|次|人|名|篇|份|家|条|%)")
_BULLET = re.compile(r"^\s*(?:[-•●·▪◆■*]|\d+[.、)])\s*")
_YM = r"((?:19|20)\d{2})\s*(?:[./\-年]\s*(\d{1,2})\s*月?)?"
_RANGE = re.compile(
    _YM + r"\s*(?:[-–—~～至到]+|to)\s*(?:" + _YM + r"|(至今|现在|今|present|now))", re.I
)
_EXPLAINED = re.compile(r"间隔|空档|gap|备考|休学|服役|入伍|照顾|生病|creat|travel|考研|二战", re.I)
_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_ADDRESS = re.compile(
    r"家庭住址|家庭地址|户籍地址|现住址|home address|\d+\s*(?:号楼|单元|室)|"
    r"[省市区县].{0,12}(?:路|街|村).{0,6}\d+号",
    re.I,
)
_MARRIAGE = re.compile(r"婚姻|已婚|未婚|离异|婚育|生育|育有|已育|未育|marital|married|single", re.I)
_JD_LEAD = re.compile(
    r"要求|职责|任职|资格|熟悉|掌握|精通|具备|了解|优先|能力|经验|require|responsib|qualif|familiar|experience|proficien",
    re.I,
)
_JD_DEGREE = re.compile(
    r"学历|本科及以上|硕士及以上|专业毕业|相关专业|degree in|bachelor|master's", re.I
)
_JD_SECTION = re.compile(r"要求|任职|职责|资格|requirement|qualification|responsibilit", re.I)
_STOP = set(
    [
        "要求",
        "职责",
        "任职",
        "资格",
        "熟悉",
        "掌握",
        "精通",
        "具备",
        "了解",
        "优先",
        "能力",
        "经验",
        "相关",
        "工作",
        "岗位",
        "以上",
        "良好",
        "较强",
        "具有",
        "负责",
        "进行",
        "能够",
        "我们",
        "公司",
        "以及",
        "或者",
        "并且",
        "专业",
        "本科",
        "硕士",
        "学历",
        "一定",
        "熟练",
        "使用",
        "优秀",
        "以上学历",
        "团队",
        "合作",
        "沟通",
        "责任心",
        "企业",
        "者优先",
        "plus",
        "preferred",
        "the",
        "and",
        "for",
        "with",
        "to",
        "of",
        "in",
        "a",
        "an",
        "or",
        "be",
        "is",
        "are",
        "will",
        "you",
        "we",
        "our",
        "experience",
        "required",
        "requirements",
        "responsibilities",
        "skills",
        "ability",
        "strong",
        "good",
        "years",
        # filler of requirement lines, and the headings themselves
        "solid",
        "familiar",
        "knowledge",
        "持有",
        "日常",
        "岗位职责",
        "任职要求",
        "岗位要求",
    ]
)


class Finding(BaseModel):
    """One thing a reviewer would point out."""

    # missing_section, length, date_order, date_gap, duty, no_numbers, jd_missing, personal_data
    kind: str
    text: str  # the (redacted) text concerned
    suggestion_zh: str
    suggestion_en: str

    def suggestion(self, lang: str) -> str:
        return self.suggestion_zh if lang == "zh" else self.suggestion_en


@dataclass
class ResumeText:
    lines: list[str]
    pages: int | None  # counted for PDF, estimated for the rest
    file_type: str
    sections: dict[str, list[str]] = field(default_factory=dict)  # section code -> its lines

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def read_resume(data: bytes, name: str) -> ResumeText:
    """The lines of a PDF, DOCX, TXT or MD résumé; a bad file raises :class:`IngestError`."""
    if not data:
        raise IngestError(name, "empty file (0 bytes)", reason_zh="空文件（0 字节）")
    if len(data) > MAX_BYTES:
        raise IngestError(
            name,
            f"file too large ({len(data) // 1024} KB > {MAX_BYTES // 1024} KB)",
            reason_zh=f"文件过大（{len(data) // 1024} KB，上限 {MAX_BYTES // 1024} KB）",
        )
    kind = sniff(data)
    if kind == "pdf":
        from bot.knowledge.pdf import read_pdf

        raw = read_pdf(data, name).lines  # pages without a text layer are read by OCR
        lines = [line.text.strip() for line in raw if line.text.strip()]
        pages = max((line.page or 1 for line in raw), default=1)
        file_type = "pdf"
    elif kind == "docx" or kind.startswith("zip:docx"):
        from bot.knowledge.word import read_docx

        raw, _ = read_docx(data, name)
        lines = [line.text.strip() for line in raw if line.text.strip()]
        pages = None
        file_type = "docx"
    elif kind == "text":
        lines = [ln.strip() for ln in decode_text(data, name).splitlines() if ln.strip()]
        pages = None
        file_type = "text"
    else:
        raise IngestError(
            name,
            f"not a résumé file this review reads ({kind}); upload PDF, DOCX or plain text",
            reason_zh=f"无法读取这种文件（{kind}）；请上传 PDF、DOCX 或纯文本",
        )
    if not lines:
        raise IngestError(name, "no text found", reason_zh="没有找到文字")
    if pages is None:
        chars = sum(len(line) for line in lines)
        pages = max(1, -(-chars // CHARS_PER_PAGE))
    resume = ResumeText(lines=lines, pages=pages, file_type=file_type)
    resume.sections = split_sections(lines)
    return resume


def resume_from_text(text: str) -> ResumeText:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    chars = sum(len(line) for line in lines)
    resume = ResumeText(lines=lines, pages=max(1, -(-chars // CHARS_PER_PAGE)), file_type="text")
    resume.sections = split_sections(lines)
    return resume


def _section_of(line: str) -> str | None:
    match = _HEADING.match(_BULLET.sub("", line))
    if not match or _RANGE.search(line):
        return None
    for code, (_, _, pattern) in SECTIONS.items():
        if pattern.search(match[1]):
            return code
    return None


def split_sections(lines: list[str]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        code = _section_of(line)
        if code:
            current = code
            sections.setdefault(code, [])
        elif current:
            sections[current].append(line)
    return sections


def _month(year: str, month: str | None) -> int:
    return int(year) * 12 + (int(month) - 1 if month else 0)


def _ranges(lines: list[str], today: date) -> list[tuple[int, int, str]]:
    found = []
    for line in lines:
        for m in _RANGE.finditer(line):
            start = _month(m[1], m[2])
            end = today.year * 12 + today.month - 1 if m[5] else _month(m[3], m[4])
            found.append((start, end, line))
    return found


def review(
    resume: ResumeText,
    job: str | None = None,
    *,
    today: date | None = None,
    new_graduate: bool = True,
) -> list[Finding]:
    """Every finding of the offline checks, in reading order of the kinds."""
    today = today or date.today()
    found: list[Finding] = []
    for code, (zh, en, _) in SECTIONS.items():
        if code not in resume.sections:
            found.append(
                Finding(
                    kind="missing_section",
                    text=f"{zh} / {en}",
                    suggestion_zh=f"没有找到“{zh}”部分；如果有相关内容，单独列一个小标题。",
                    suggestion_en=(
                        f"No '{en}' section found; give it a heading of its own if you have any."
                    ),
                )
            )
    if new_graduate and (resume.pages or 1) > 1:
        found.append(
            Finding(
                kind="length",
                text=f"{resume.pages} pages",
                suggestion_zh=(
                    f"应届生简历一页足够，现在约 {resume.pages} 页："
                    "删去和岗位无关的经历，合并相近的条目。"
                ),
                suggestion_en=(
                    f"One page is enough for a new graduate; this is about {resume.pages}: cut"
                    f" what the job does not need."
                ),
            )
        )
    found += _date_findings(resume, today)
    found += _result_findings(resume)
    if job:
        found += jd_findings(resume, job)
    found += personal_data(resume)
    return found


def _date_findings(resume: ResumeText, today: date) -> list[Finding]:
    found: list[Finding] = []
    timeline: list[tuple[int, int, str]] = []
    for code in ("education", "experience", "projects"):
        ranges = _ranges(resume.sections.get(code, []), today)
        timeline += ranges if code != "projects" else []
        starts = [start for start, _, _ in ranges]
        if starts != sorted(starts, reverse=True) and starts != sorted(starts):
            found.append(
                Finding(
                    kind="date_order",
                    text=ranges[0][2][:60],
                    suggestion_zh="同一部分里的经历时间顺序不一致；按时间倒序排列（最近的在前）。",
                    suggestion_en=(
                        "Entries in one section jump back and forth in time; list them newest"
                        " first."
                    ),
                )
            )
        elif (
            len(starts) > 1 and starts == sorted(starts) and starts != sorted(starts, reverse=True)
        ):
            found.append(
                Finding(
                    kind="date_order",
                    text=ranges[0][2][:60],
                    suggestion_zh="经历按从早到晚排列；招聘方习惯倒序（最近的在前）。",
                    suggestion_en="Entries run oldest first; recruiters expect newest first.",
                )
            )
    explained = bool(_EXPLAINED.search(resume.text))
    timeline.sort()
    covered = timeline[0][1] if timeline else 0
    for start, end, line in timeline[1:]:
        if start - covered > GAP_MONTHS and not explained:
            months = start - covered
            found.append(
                Finding(
                    kind="date_gap",
                    text=line[:60],
                    suggestion_zh=(
                        f"这段经历之前有约 {months} 个月的空档，没有说明；"
                        "简短写一句（如备考、服役、照顾家人）。"
                    ),
                    suggestion_en=(
                        f"About {months} months pass unexplained before this entry; add a "
                        f"short line on what you did."
                    ),
                )
            )
        covered = max(covered, end)
    return found


def _bullets(resume: ResumeText) -> list[str]:
    lines = resume.sections.get("experience", []) + resume.sections.get("projects", [])
    return [
        ln for ln in lines if len(_BULLET.sub("", ln)) >= MIN_BULLET_CHARS and not _RANGE.search(ln)
    ]


def _result_findings(resume: ResumeText) -> list[Finding]:
    found: list[Finding] = []
    bullets = _bullets(resume)
    for line in bullets:
        body = _BULLET.sub("", line)
        if _DUTY.match(body) and not _DIGIT.search(body):
            found.append(
                Finding(
                    kind="duty",
                    text=redact(body[:80]),
                    suggestion_zh="这条写的是职责；改成“做了什么、怎么做、结果如何”，能给数字就给数字。",
                    suggestion_en=(
                        "This line states a duty; say what you did, how, and what came of it,"
                        " with a number if you can."
                    ),
                )
            )
    if bullets and not any(_DIGIT.search(_BULLET.sub("", b)) for b in bullets):
        found.append(
            Finding(
                kind="no_numbers",
                text=redact(bullets[0][:60]),
                suggestion_zh=(
                    "实习和项目经历里没有一个数字；写出规模、数量或效果（如“整理 300 条数据”）。"
                ),
                suggestion_en=(
                    "Not one number in your internships and projects; give a size, a count or"
                    " an effect."
                ),
            )
        )
    return found


def job_terms(job: str) -> list[str]:
    """The requirement words of a job description: jieba words of its requirement lines."""
    import jieba

    lines = job.splitlines()
    start = next((i for i, ln in enumerate(lines) if _JD_SECTION.search(ln)), None)
    if start is not None:
        lines = lines[start:]  # the requirements section and what follows it
    else:
        lines = [ln for ln in lines if _JD_LEAD.search(ln)] or lines
    # the degree and major a job asks for are checked by the graduate, not by résumé words
    lines = [ln for ln in lines if not _JD_DEGREE.search(ln)]
    terms: list[str] = []
    for line in lines:
        for word in jieba.lcut(line):
            word = word.strip().lower()
            if (
                len(word) < 2
                or word in _STOP
                or word.isdigit()
                or not re.search(r"[\w\u4e00-\u9fff]", word)
            ):
                continue
            terms.append(word)
    return list(dict.fromkeys(terms))


def jd_findings(resume: ResumeText, job: str) -> list[Finding]:
    text = resume.text.lower()
    missing = [t for t in job_terms(job) if t not in text]
    if not missing:
        return []
    return [
        Finding(
            kind="jd_missing",
            text="、".join(missing[:12]),
            suggestion_zh="岗位要求里的这些词简历没有提到；确有相关经历就写出来，没有的别硬写。",
            suggestion_en=(
                "The job asks for these and the résumé never mentions them; add real "
                "experience of them, never invent it."
            ),
        )
    ]


def personal_data(resume: ResumeText) -> list[Finding]:
    found: list[Finding] = []
    for line in resume.lines:
        if _ID.search(line):
            found.append(
                Finding(
                    kind="personal_data",
                    text=redact(line)[:60],
                    suggestion_zh="简历上不要写身份证号；用人单位需要时会另行收集。",
                    suggestion_en=(
                        "Leave your ID number off; an employer who needs it asks separately."
                    ),
                )
            )
        if _ADDRESS.search(line):
            found.append(
                Finding(
                    kind="personal_data",
                    text="[地址]",
                    suggestion_zh="不必写家庭住址，写所在城市即可。",
                    suggestion_en="No home address: the city is enough.",
                )
            )
        if _MARRIAGE.search(line):
            found.append(
                Finding(
                    kind="personal_data",
                    text="[婚育]",
                    suggestion_zh="婚姻、生育情况与能力无关，不要写在简历上。",
                    suggestion_en=(
                        "Marital and family status say nothing of your ability; leave them off."
                    ),
                )
            )
    return found
