"""Two graduates go through coaching from the command line, as a user would: the questionnaire,
the occupations, the suggestions, a résumé against a job, interview practice and the plan.

One is a Chinese 本科 accounting graduate from 甘肃 (in Chinese), the other an international
master's student in computer science (in English). Each step feeds the next through the files a
user keeps (the saved answers, the profile), not through internals.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.coaching import riasec

JOURNEYS = Path(__file__).parent / "fixtures" / "coaching" / "journeys"
TODAY = "2026-12-02"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def _answers_liking(tmp_path: Path, scores: dict[str, int]) -> Path:
    """Answers a graduate might give: each item rated by how much its type appeals (else 1)."""
    path = tmp_path / "answers.yaml"
    items = riasec.load_questionnaire().items
    path.write_text(yaml.safe_dump({i.id: scores.get(i.type, 1) for i in items}))
    return path


def _profile(tmp_path: Path, profile: dict[str, object]) -> Path:
    path = tmp_path / "me.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    return path


def test_an_accounting_graduate_from_gansu(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = _answers_liking(tmp_path, {"C": 4, "E": 3, "S": 2})
    profile = _profile(
        tmp_path,
        {
            "education": "本科",
            "major": "会计学",
            "home_province": "甘肃",
            "graduation_date": "2027-06",
            "paths": ["civil_service", "grassroots", "soe"],  # 考公、基层项目、国企
        },
    )

    # 1. the questionnaire: her code, what it means, and the caveat
    assessed = json.loads(_run(capsys, "assess", "--answers", str(answers), "--json"))
    assert assessed["code"] == "CES"
    assert "兴趣不等于能力" in assessed["meaning"]

    # 2. exploring occupations her major leads to
    found = json.loads(_run(capsys, "occupations", "search", "会计", "--major", "会计学", "--json"))
    assert {"accountant", "auditor"} <= {o["id"] for o in found}

    # 3. suggestions from her profile and her answers, each with its reasons
    suggested = json.loads(
        _run(capsys, "suggest", "--profile", str(profile), "--answers", str(answers), "--json")
    )
    by_id = {s["id"]: s for s in suggested}
    assert "accountant" in by_id
    assert any("会计学" in r for r in by_id["accountant"]["reasons"])
    assert any("CES" in r for r in by_id["accountant"]["reasons"])
    assert not {"software-engineer", "primary-teacher", "doctor"} & set(by_id)

    # 4. her résumé against a state-owned firm's finance post
    reviewed = json.loads(
        _run(
            capsys,
            "resume",
            "review",
            str(JOURNEYS / "gansu-accounting-cv.txt"),
            "--job",
            str(JOURNEYS / "gansu-accounting-job.txt"),
            "--json",
        )
    )
    kinds = {f["kind"] for f in reviewed["findings"]}
    assert {"duty", "jd_missing"} <= kinds
    # a phone number is expected on a résumé; nothing personal to warn about, dates in order
    assert not {"personal_data", "date_order", "date_gap", "length"} & kinds
    missing = next(f["text"] for f in reviewed["findings"] if f["kind"] == "jd_missing")
    assert "增值税" in missing and "金蝶" in missing
    assert "用友" not in missing  # she lists 用友 U8
    assert "岗位职责" not in missing  # a heading is not a requirement
    duties = {f["text"] for f in reviewed["findings"] if f["kind"] == "duty"}
    assert any("凭证整理" in d for d in duties)
    assert not any("核对往来款" in d for d in duties)  # that bullet has its result and numbers

    # 5. behavioural interview practice: a vague answer, then a story with its result
    iv_answers = tmp_path / "iv.yaml"
    iv_answers.write_text(
        yaml.safe_dump(
            [
                "我遇到困难从不放弃，总能想办法解决。",
                "我和同学对小组作业的分工有分歧，大家说了说就好了。",
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    practised = json.loads(
        _run(
            capsys,
            "interview",
            "--occupation",
            "accountant",
            "--format",
            "behavioural",
            "--answers",
            str(iv_answers),
            "--json",
        )
    )
    assert practised["format"] == "behavioural" and len(practised["feedback"]) == 2
    first = practised["feedback"][0]
    assert not first["length_ok"] and first["numbers"] == 0
    assert "回答了 2 题" in practised["summary"] and "接下来" in practised["summary"]

    # 6. the plan: the policy part for her, then her own coaching parts
    plan = _run(
        capsys,
        "suggest",
        "--profile",
        str(profile),
        "--answers",
        str(answers),
        "--plan",
        "--today",
        TODAY,
    )
    offered = plan.split("## 可能适用的政策、项目与服务", 1)[1].split("\n## ", 1)[0]
    assert "一次性求职补贴" in offered  # to be confirmed: it rests on her family's circumstances
    assert "“三支一扶”计划" in offered and "### 选调生" in offered  # the paths she chose
    assessment = plan.split("## 自我评估（兴趣测评）", 1)[1].split("\n## ", 1)[0]
    assert "CES" in assessment and "兴趣不等于能力" in assessment
    targets = plan.split("## 目标职业（建议）", 1)[1].split("\n## ", 1)[0]
    assert "会计" in targets and "入职途径" in targets
    actions = plan.split("## 技能行动（按月）", 1)[1].split("\n## ", 1)[0]
    months = [line.split("：", 1)[0] for line in actions.splitlines() if line.startswith("- [ ]")]
    assert months and months == sorted(months) and months[0] > "- [ ] 2026-12"


def test_an_international_computer_science_masters_student(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = _answers_liking(tmp_path, {"I": 4, "R": 3, "C": 2})
    profile = _profile(
        tmp_path,
        {
            "education": "硕士",
            "major": "计算机科学与技术",
            "nationality": "巴基斯坦",
            "graduation_date": "2027-06",
        },
    )

    assessed = json.loads(
        _run(capsys, "assess", "--answers", str(answers), "--lang", "en", "--json")
    )
    assert assessed["code"] == "IRC" and "not abilities" in assessed["meaning"]

    found = json.loads(
        _run(
            capsys,
            "occupations",
            "search",
            "software",
            "--major",
            "计算机科学与技术",
            "--json",
        )
    )
    assert "software-engineer" in {o["id"] for o in found}

    suggested = json.loads(
        _run(
            capsys,
            "suggest",
            "--profile",
            str(profile),
            "--answers",
            str(answers),
            "--lang",
            "en",
            "--json",
        )
    )
    by_id = {s["id"]: s for s in suggested}
    assert {"software-engineer", "ai-engineer"} <= set(by_id)
    # routes that need Chinese nationality are never the way in offered to him
    routes = {r for s in suggested for r in s["routes"]}
    assert "foreign_permit" in routes
    assert not {"civil_service", "grassroots", "special_post", "military"} & routes
    assert not {"civil-servant", "village-official"} & set(by_id)

    reviewed = json.loads(
        _run(
            capsys,
            "resume",
            "review",
            str(JOURNEYS / "intl-cs-cv.txt"),
            "--job",
            str(JOURNEYS / "intl-cs-job.txt"),
            "--lang",
            "en",
            "--json",
        )
    )
    kinds = {f["kind"] for f in reviewed["findings"]}
    assert {"duty", "jd_missing", "date_gap"} <= kinds
    assert "personal_data" not in kinds
    missing = next(f["text"] for f in reviewed["findings"] if f["kind"] == "jd_missing")
    assert "docker" in missing and "kubernetes" in missing
    assert "python" not in missing and "solid" not in missing
    # advice in his language (the text quoted from the job may be in any)
    assert all(
        f["suggestion"] and not re.search(r"[\u4e00-\u9fff]", f["suggestion"])
        for f in reviewed["findings"]
    )

    iv_answers = tmp_path / "iv.yaml"
    iv_answers.write_text(
        yaml.safe_dump(
            [
                "In my second project term our recommendation service was too slow for the"
                " course site. My task was to bring page loads under one second before the"
                " demo. I profiled the API, found 40 repeated database queries, added caching"
                " in Redis and rewrote two SQL joins. As a result load time fell from 2.1 s to"
                " 0.6 s and the course office adopted the service for 900 students.",
                "I always work hard and get along with everyone.",
            ]
        ),
        encoding="utf-8",
    )
    practised = json.loads(
        _run(
            capsys,
            "interview",
            "--occupation",
            "software-engineer",
            "--answers",
            str(iv_answers),
            "--lang",
            "en",
            "--json",
        )
    )
    assert practised["format"] == "behavioural"
    strong, vague = practised["feedback"]
    assert strong["length_ok"] and strong["numbers"] >= 3
    assert strong["star"]["task"] and strong["star"]["result"]
    assert vague["numbers"] == 0 and not vague["length_ok"]
    assert not (vague["star"].get("task") or vague["star"].get("result"))
    assert "2 question" in practised["summary"]

    plan = _run(
        capsys,
        "suggest",
        "--profile",
        str(profile),
        "--answers",
        str(answers),
        "--plan",
        "--lang",
        "en",
        "--today",
        TODAY,
    )
    offered = plan.split("## Policies, programmes and services that may apply", 1)[1]
    offered = offered.split("\n## ", 1)[0]
    assert "Work permit route for outstanding international graduates" in offered
    assert "Three Supports" not in offered and "Civil service" not in offered
    closed = plan.split("## Probably not for you", 1)[1].split("\n## ", 1)[0]
    assert "Chinese nationality" in closed
    assert "IRC" in plan.split("## Self-assessment", 1)[1].split("\n## ", 1)[0]
    assert "Software developer" in plan.split("## Target occupations", 1)[1]
