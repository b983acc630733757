"""A plan as Markdown, in Chinese or English, every claim followed by its ``[n]`` source.

Items that come from the graduate's own profile carry no marker; dated items without a clause
say they are only the usual timing. The sources list at the end quotes each clause. Layout only:
what goes into the plan is decided by :mod:`bot.planning.plan`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.planning import vocabulary as vocab
from bot.planning.catalogue import Clause
from bot.planning.plan import Plan

TYPICAL = {
    "zh": "（往年通常在此时，请以当年公告为准）",
    "en": " (typical timing; check this year's notice)",
}
SPAN = {"zh": "（{first} 至 {last}）", "en": " ({first} to {last})"}
TYPICAL_SPAN = {
    "zh": "（{first} 至 {last}；往年通常在此时，请以当年公告为准）",
    "en": " ({first} to {last}; typical timing, check this year's notice)",
}

_TEXT = {
    "zh": {
        "title": "职业规划",
        "made": "生成于",
        "disclaimer": "> 本规划依据知识库中的政策条文整理，不构成任何补贴、贷款或录取承诺；"
        "各地标准不同，请以当地主管部门的最新通知为准。",
        "you": "我了解到的你",
        "timeline": "时间线",
        "resources": "可能适用的政策、项目与服务",
        "none": "暂时没有找到明确适用的条目。",
        "no_windows": "这段时间没有和你相关的固定报名窗口；下面的政策和服务随时可以咨询办理。",
        "met": "已满足",
        "unknown": "待确认",
        "amount": "标准",
        "local": "各地规定",
        "apply": "怎么申请",
        "channel": "官方渠道",
        "checklist": "行动清单",
        "later": "以后可能适用（到时再确认）",
        "not_for_you": "按目前信息可能不适用（条件有变或当地规定不同时可再咨询）",
        "questions": "还需要确认的问题",
        "skills": "方向与技能准备",
        "advice": "个人建议",
        "self": "自我评估（兴趣测评）",
        "no_assessment": (
            "还没有做兴趣测评。可以在网页的“测评”页或用 `careercoach assess` "
            "做一次（48 题，约 8 分钟），结果会用来推荐职业；"
            "聊天里说的话不会被用来推断你的兴趣代码。"
        ),
        "targets": "目标职业（建议）",
        "why": "理由",
        "routes": "入职途径",
        "gaps": "还需要展示的技能",
        "actions": "技能行动（按月）",
        "related": "知识库中的相关原文",
        "sources": "来源",
        "outcome": {
            "likely": "可能符合",
            "possible": "可能符合，需确认",
            "unlikely": "可能不符合",
            "open": "公开服务",
        },
        "fields": {
            "education": "学历",
            "major": "专业",
            "discipline": "学科门类",
            "school": "学校",
            "graduation_date": "毕业时间",
            "home_province": "生源地",
            "hukou_province": "户籍",
            "target_regions": "意向地区",
            "paths": "意向方向",
            "circumstances": "情况",
            "nationality": "国籍",
            "age": "年龄",
            "interests": "兴趣",
            "strengths": "特长",
            "political_status": "政治面貌",
            "employed": "目前有工作",
            "employment": "工作方式",
            "own_social_insurance": "自己缴纳社保",
            "registered_unemployed": "已做失业登记",
        },
        "unknown_value": "（未提供）",
        "yes": "是",
        "no": "否",
    },
    "en": {
        "title": "Career plan",
        "made": "made on",
        "disclaimer": "> This plan is drawn from the policy texts in the knowledge base. "
        "It promises no subsidy, loan or place; rules and amounts differ by region, so the "
        "latest local notice decides.",
        "you": "What I know about you",
        "timeline": "Timeline",
        "resources": "Policies, programmes and services that may apply",
        "none": "Nothing clearly applies yet.",
        "no_windows": "No dated windows concern you in this period; the items below can be "
        "taken up at any time.",
        "met": "Met",
        "unknown": "To check",
        "amount": "Amount",
        "local": "Local rules",
        "apply": "How to apply",
        "channel": "Official channel",
        "checklist": "Checklist",
        "later": "May apply later (check again then)",
        "not_for_you": "Probably not for you on what I know (ask again if things change)",
        "questions": "Questions still open",
        "skills": "Directions and skills",
        "advice": "Personal advice",
        "self": "Self-assessment (interests)",
        "no_assessment": (
            "You have not taken the interest questionnaire yet. Take it in the web page's "
            "Assessment tab or with `careercoach assess` (48 items, about 8 minutes); the result "
            "feeds the suggestions. Nothing you say in chat is used to guess your interest code."
        ),
        "targets": "Target occupations (suggested)",
        "why": "Why",
        "routes": "Ways in",
        "gaps": "Skills still to show",
        "actions": "Skill actions by month",
        "related": "Related passages in the knowledge base",
        "sources": "Sources",
        "outcome": {
            "likely": "may be eligible",
            "possible": "may be eligible, to check",
            "unlikely": "probably not eligible",
            "open": "open service",
        },
        "fields": {
            "education": "Degree",
            "major": "Major",
            "discipline": "Discipline",
            "school": "School",
            "graduation_date": "Graduation",
            "home_province": "Home province",
            "hukou_province": "Hukou",
            "target_regions": "Target regions",
            "paths": "Paths",
            "circumstances": "Circumstances",
            "nationality": "Nationality",
            "age": "Age",
            "interests": "Interests",
            "strengths": "Strengths",
            "political_status": "Political status",
            "employed": "Employed now",
            "employment": "Work",
            "own_social_insurance": "Pays own social insurance",
            "registered_unemployed": "Registered as unemployed",
        },
        "unknown_value": "(not given)",
        "yes": "yes",
        "no": "no",
    },
}

_KINDS = {
    "education": "education",
    "discipline": "discipline",
    "paths": "paths",
    "circumstances": "circumstances",
    "political_status": "political_status",
    "home_province": "province",
    "hukou_province": "province",
    "target_regions": "province",
    "employment": "employment",
}


def _value(field: str, value: object, lang: str) -> str:
    words = _TEXT[lang]
    kind = _KINDS.get(field)
    if isinstance(value, bool):
        return str(words["yes"] if value else words["no"])
    if isinstance(value, list):
        if not value:
            return "无" if lang == "zh" else "none"
        parts = [vocab.label(kind, str(v), lang) if kind else str(v) for v in value]
        return "、".join(parts) if lang == "zh" else ", ".join(parts)
    if kind:
        return vocab.label(kind, str(value), lang)
    return str(value)


def plan_markdown(plan: Plan) -> str:
    lang = plan.lang
    w = _TEXT[lang]
    numbers = {c: n for n, c in enumerate(plan.clauses(), start=1)}

    def cite(clause: Clause | None) -> str:
        return f" [{numbers[clause]}]" if clause in numbers else ""

    out = [
        f"# {w['title']}（{w['made']} {plan.today}）"
        if lang == "zh"
        else f"# {w['title']} ({w['made']} {plan.today})",
        "",
        str(w["disclaimer"]),
        "",
    ]
    out += [f"## {w['you']}", ""]
    fields = w["fields"]
    assert isinstance(fields, dict)
    for field, name in fields.items():
        value = getattr(plan.profile, field)
        shown = _value(field, value, lang) if value is not None else w["unknown_value"]
        if value is not None or field in {"education", "graduation_date", "paths"}:
            out.append(f"- {name}：{shown}" if lang == "zh" else f"- {name}: {shown}")
    out += [f"- {n.get(lang)}" for n in plan.notes]
    out += [
        "",
        f"## {w['timeline']}（{plan.start} → {plan.end}）"
        if lang == "zh"
        else f"## {w['timeline']} ({plan.start} → {plan.end})",
        "",
    ]
    if not plan.milestones:
        out.append(str(w["no_windows"]))
    month = ""
    for m in plan.milestones:
        if m.month != month:
            month = m.month
            out += ["", f"### {month}"]
        typical = m.typical or m.source == "typical"
        if m.until:
            when = (TYPICAL_SPAN if typical else SPAN)[lang].format(first=m.month, last=m.until)
        else:
            when = TYPICAL[lang] if typical else ""
        out.append(f"- {m.label.get(lang)}{when}{cite(m.clause)}")
    out += ["", f"## {w['resources']}", ""]
    if not plan.resources:
        out.append(str(w["none"]))
    outcome = w["outcome"]
    assert isinstance(outcome, dict)
    colon = "：" if lang == "zh" else ": "
    for result in plan.resources:
        r = result.resource
        state = "open" if result.is_open_service else result.outcome
        out += [
            f"### {r.name.get(lang)}（{outcome[state]}）"
            if lang == "zh"
            else f"### {r.name.get(lang)} ({outcome[state]})",
            "",
        ]
        out.append(f"{r.summary.get(lang)}{cite(r.summary.clause)}")
        out.append("")
        out += [f"- ✓ {w['met']}{colon}{c.text.get(lang)}{cite(c.clause)}" for c in result.met]
        out += [
            f"- ? {w['unknown']}{colon}{c.text.get(lang)}{cite(c.clause)}" for c in result.unknown
        ]
        if r.amount:
            out.append(f"- {w['amount']}{colon}{r.amount.get(lang)}{cite(r.amount.clause)}")
        if r.regional and r.local_rule:
            out.append(f"- {w['local']}{colon}{r.local_rule.get(lang)}{cite(r.channel.clause)}")
        out += [f"- {w['apply']}{colon}{s.get(lang)}{cite(s.clause)}" for s in r.apply]
        out.append(f"- {w['channel']}{colon}{r.channel.get(lang)}{cite(r.channel.clause)}")
        listed_rule = r.local_rule if r.regional else None  # already listed as the local rule
        out += [
            f"- {warning.get(lang)}{cite(r.summary.clause)}"
            for warning in result.warnings
            if warning != listed_rule
        ]
        out += [f"- → {result.note(lang)}{cite(r.channel.clause)}", ""]
    if plan.later:
        out += [f"## {w['later']}", ""]
        for item in plan.later:
            r = item.result.resource
            since = f"（{item.since} 起）" if lang == "zh" else f" (from {item.since})"
            summary = f"{r.summary.get(lang)}{cite(r.summary.clause)}"
            out.append(f"- {r.name.get(lang)}{since}{colon}{summary}")
            out.append(f"  - {item.result.note(lang)}{cite(r.channel.clause)}")
        out.append("")
    if plan.not_for_you:
        out += [f"## {w['not_for_you']}", ""]
        for result in plan.not_for_you:
            why = ("；" if lang == "zh" else "; ").join(
                f"{c.text.get(lang)}{cite(c.clause)}" for c in result.failed
            )
            out.append(f"- {result.resource.name.get(lang)}{colon}{why}")
        out.append("")
    if plan.checklist:
        out += [f"## {w['checklist']}", ""]
        out += [f"- [ ] {i.text.get(lang)}{cite(i.clause)}" for i in plan.checklist]
        out.append("")
    if plan.questions:
        out += [f"## {w['questions']}", ""]
        out += [f"- {q.get(lang)}{cite(c)}" for q, c in plan.questions]
        out.append("")
    if plan.skills:
        out += [f"## {w['skills']}", ""]
        for s in plan.skills:
            path = s.label.get(lang)
            out.append(
                f"- {path}：{s.skill.get(lang)}{cite(s.skill.clause)}"
                if lang == "zh"
                else f"- {path}: {s.skill.get(lang)}{cite(s.skill.clause)}"
            )
        out.append("")
    out += _coaching_parts(plan, w, colon)
    if plan.advice:
        out += [f"## {w['advice']}", "", plan.advice.strip(), ""]
    if plan.related:
        out += [f"## {w['related']}", ""]
        out += [f"- {c.title} § {c.section}：{c.text[:120]}（{c.source}）" for c in plan.related]
        out.append("")
    out += [f"## {w['sources']}", ""]
    for c in plan.citations():
        out.append(f"- [{c.n}] {c.title} § {c.section}：“{c.text}”（{c.source}）")
    return "\n".join(out).replace("\n\n\n", "\n\n").strip() + "\n"


def _coaching_parts(plan: Plan, w: Mapping[str, object], colon: str) -> list[str]:
    """Self-assessment, target occupations and dated skill actions (coaching plans only)."""
    if not plan.coaching:
        return []
    lang = plan.lang
    sep = "、" if lang == "zh" else ", "
    out = [f"## {w['self']}", ""]
    if plan.self_assessment is None:
        out.append(str(w["no_assessment"]))
    else:
        a = plan.self_assessment
        out.append(" · ".join(f"{t} {a.scores[t]}/{a.maximum}" for t in "RIASEC"))
        out += ["", a.summary.get(lang)]
    out.append("")
    if plan.targets:
        out += [f"## {w['targets']}", ""]
        for n, target in enumerate(plan.targets, start=1):
            out.append(f"### {n}. {target.name.get(lang)}")
            out.append(
                f"- {w['why']}{colon}{'；'.join(r.get(lang) for r in target.reasons)}"
                if lang == "zh"
                else f"- {w['why']}{colon}{'; '.join(r.get(lang) for r in target.reasons)}"
            )
            if target.routes:
                out.append(f"- {w['routes']}{colon}{sep.join(r.get(lang) for r in target.routes)}")
            if target.gaps:
                out.append(f"- {w['gaps']}{colon}{sep.join(g.get(lang) for g in target.gaps)}")
            out.append("")
    if plan.skill_actions:
        out += [f"## {w['actions']}", ""]
        out += [f"- [ ] {a.month}{colon}{a.text.get(lang)}" for a in plan.skill_actions]
        out.append("")
    return out
