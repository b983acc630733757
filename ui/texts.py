"""The web app's own labels in Chinese and English (interface wording, not prompts).

What the bot *says* lives in ``prompts/``; this table only names buttons, tabs and notices.
:func:`t` looks a key up and raises ``KeyError`` on a missing one, so a typo fails in tests.
"""

from __future__ import annotations

LANGS = {"中文": "zh", "English": "en"}

_TEXTS: dict[str, dict[str, str]] = {
    "title": {"zh": "毕业生就业政策助手", "en": "Graduate career coach"},
    "notice": {
        "zh": "本助手根据知识库中的政策文件回答就业政策、补贴和职业规划问题，并标注出处。"
        "它不是官方渠道：具体条件、金额和时间以当地人社部门、学校就业指导中心的**最新官方通知为准**"
        "（人社服务热线 12333，国家大学生就业服务平台 24365）。请勿输入身份证号、电话等个人信息。",
        "en": "This assistant answers questions on graduate employment policy, subsidies and "
        "career planning from the documents in its knowledge base, citing each source. It is "
        "not an official channel: **the latest official notices prevail** (local human-resources "
        "office, hotline 12333, the national graduate employment platform 24365, your school's "
        "career centre). Please do not type ID numbers or phone numbers.",
    },
    "tab_chat": {"zh": "政策问答", "en": "Ask"},
    "tab_plan": {"zh": "职业规划", "en": "Career plan"},
    "placeholder": {
        "zh": "输入你的问题，例如：家里是低保户，毕业后找工作能拿什么补贴？",
        "en": "Ask a question, e.g. What is the one-time job-seeking subsidy?",
    },
    "send": {"zh": "发送", "en": "Send"},
    "new_chat": {"zh": "开始新对话", "en": "New conversation"},
    "examples": {"zh": "试试这些问题：", "en": "Try these questions:"},
    "sources": {"zh": "来源", "en": "Sources"},
    "no_sources": {"zh": "暂无来源", "en": "No sources yet"},
    "passage": {"zh": "原文段落", "en": "Passage"},
    "feedback_comment": {
        "zh": "对刚才评价的回答补充意见（可选）",
        "en": "Add a comment to the answer you rated (optional)",
    },
    "send_comment": {"zh": "提交意见", "en": "Send comment"},
    "rate_first": {
        "zh": "请先点赞或点踩评价一条回答。",
        "en": "Rate an answer (thumbs up or down) first.",
    },
    "thanks": {"zh": "谢谢你的反馈！", "en": "Thank you for the feedback!"},
    "document": {"zh": "文件", "en": "Document"},
    "section": {"zh": "章节", "en": "Section"},
    "page": {"zh": "页码", "en": "Page"},
    "date": {"zh": "发布日期", "en": "Date"},
    "source_file": {"zh": "来源文件", "en": "Source file"},
    "warnings": {"zh": "提示", "en": "Note"},
    "plan_intro": {
        "zh": "填写你的情况（都可以不填），生成一份从现在到毕业后两年的规划，"
        "包括可能适用的政策和项目。",
        "en": "Describe yourself (every field is optional) to get a plan from now to two years "
        "after graduation, with the programmes and subsidies that may apply to you.",
    },
    "education": {"zh": "学历", "en": "Education"},
    "major": {"zh": "专业", "en": "Major"},
    "graduation_year": {"zh": "毕业年份", "en": "Graduation year"},
    "home_province": {"zh": "生源地（省份）", "en": "Home province"},
    "target_province": {"zh": "希望就业地（省份）", "en": "Where you want to work"},
    "paths": {"zh": "意向方向", "en": "Directions you consider"},
    "circumstances": {"zh": "家庭与个人情况", "en": "Circumstances"},
    "describe": {"zh": "其他情况（自由描述）", "en": "Anything else (free text)"},
    "make_plan": {"zh": "生成规划", "en": "Make my plan"},
    "download_plan": {"zh": "下载规划（Markdown）", "en": "Download the plan (Markdown)"},
    "plan_unavailable": {
        "zh": "职业规划功能暂不可用。",
        "en": "Career planning is not available right now.",
    },
    "staff_login": {"zh": "辅导员/维护者登录", "en": "Staff sign-in"},
    "conversations": {"zh": "我的对话（本浏览器）", "en": "My conversations (this browser)"},
    "rename": {"zh": "重命名", "en": "Rename"},
    "delete": {"zh": "删除", "en": "Delete"},
    "confirm_delete": {
        "zh": "确定删除这个对话吗？删除后无法恢复。",
        "en": "Delete this conversation? It cannot be undone.",
    },
    "rename_prompt": {"zh": "新的对话名称：", "en": "New name for the conversation:"},
    "stop": {"zh": "停止", "en": "Stop"},
    "regenerate": {"zh": "重新生成", "en": "Regenerate"},
    "helpful": {"zh": "有帮助", "en": "Helpful"},
    "not_helpful": {"zh": "没帮助", "en": "Not helpful"},
    "rated": {"zh": "已记录你的评价，谢谢！", "en": "Rating saved, thank you!"},
    "comment_label": {"zh": "补充意见（可选）", "en": "Add a comment (optional)"},
    "commented": {"zh": "意见已提交，谢谢！", "en": "Comment sent, thank you!"},
    "open_original": {"zh": "在原文中查看（新窗口）", "en": "See it in the original (new tab)"},
    "stopped": {"zh": "（已停止，未保存）", "en": "(stopped, not saved)"},
    "verified": {"zh": "经辅导员审核", "en": "Verified by a counselor"},
    "plan_next": {"zh": "下一步", "en": "Next steps"},
    "whole_plan": {"zh": "查看完整规划", "en": "Show the whole plan"},
    "close": {"zh": "关闭", "en": "Close"},
    "busy": {"zh": "正在回答…", "en": "Answering…"},
    "input_label": {"zh": "你的问题", "en": "Your question"},
    "empty": {
        "zh": "还没有对话。在下面输入问题，或点一个示例问题。",
        "en": "No messages yet. Type a question below or pick an example.",
    },
    "too_long": {
        "zh": "问题太长了（最多 {n} 字），请精简后再发送。",
        "en": "The question is too long ({n:,} characters at most); please shorten it.",
    },
    "times_in": {"zh": "时间均为", "en": "Times are in"},
    "highlight_note": {
        "zh": "黄色标出的是回答引用的句子。",
        "en": "The sentences the answer relies on are highlighted.",
    },
    "language": {"zh": "界面语言", "en": "Language"},
    "any_province": {"zh": "（不限）", "en": "(any)"},
}

EXAMPLES: dict[str, list[str]] = {
    "zh": [
        "家里是低保户，毕业后找工作能拿什么补贴？",
        "大学生创业可以申请什么贷款？",
        "三支一扶是什么？怎么报名？",
        "帮我做个职业规划",
    ],
    "en": [
        "What is the one-time job-seeking subsidy and who can get it?",
        "Can graduates get a loan to start a business?",
        "What is the Western China volunteer programme?",
        "Help me make a career plan",
    ],
}


def vocabulary_choices(kind: str, lang: str) -> list[tuple[str, str]]:
    """(label, code) pairs of a planning vocabulary (education, paths, circumstances)."""
    from bot.planning import vocabulary

    return [(zh if lang == "zh" else en, code) for code, (zh, en) in vocabulary.table(kind).items()]


def t(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` ('zh' or 'en'); Chinese for any other language."""
    entry = _TEXTS[key]
    return entry.get(lang, entry["zh"])


PROVINCES: list[tuple[str, str]] = [
    (zh, en)
    for zh, en in (
        ("北京", "Beijing"), ("天津", "Tianjin"), ("河北", "Hebei"), ("山西", "Shanxi"),
        ("内蒙古", "Inner Mongolia"), ("辽宁", "Liaoning"), ("吉林", "Jilin"),
        ("黑龙江", "Heilongjiang"), ("上海", "Shanghai"), ("江苏", "Jiangsu"),
        ("浙江", "Zhejiang"), ("安徽", "Anhui"), ("福建", "Fujian"), ("江西", "Jiangxi"),
        ("山东", "Shandong"), ("河南", "Henan"), ("湖北", "Hubei"), ("湖南", "Hunan"),
        ("广东", "Guangdong"), ("广西", "Guangxi"), ("海南", "Hainan"), ("重庆", "Chongqing"),
        ("四川", "Sichuan"), ("贵州", "Guizhou"), ("云南", "Yunnan"), ("西藏", "Tibet"),
        ("陕西", "Shaanxi"), ("甘肃", "Gansu"), ("青海", "Qinghai"), ("宁夏", "Ningxia"),
        ("新疆", "Xinjiang"), ("香港", "Hong Kong"), ("澳门", "Macao"), ("台湾", "Taiwan"),
    )
]  # fmt: skip


def province_choices(lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of provinces; the value is the Chinese name the planner reads."""
    return [(zh if lang == "zh" else f"{en} {zh}", zh) for zh, en in PROVINCES]
