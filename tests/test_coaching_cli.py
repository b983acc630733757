"""``careercoach assess / occupations / resume / interview / suggest`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.coaching import riasec

FIXTURE = Path(__file__).parent / "fixtures" / "coaching" / "resume-weak.txt"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _answers(tmp_path: Path, liked: str) -> Path:
    q = riasec.load_questionnaire()
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({i.id: 4 if i.type in liked else 1 for i in q.items}))
    return path


def test_assess_from_an_answers_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "assess", "--answers", str(_answers(tmp_path, "SAE")), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["code"] == "ASE" and "兴趣不等于能力" in result["meaning"]


def test_assess_asks_the_missing_items_and_saves_each_answer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    q = riasec.load_questionnaire()
    partial = tmp_path / "partial.yaml"
    partial.write_text(yaml.safe_dump({i.id: 2 for i in q.items[:-2]}))
    monkeypatch.setattr("sys.stdin", io.StringIO("4\n4\n"))
    code, out, _ = _run(
        capsys, "assess", "--answers", str(partial), "--save", str(partial), "--lang", "en"
    )
    assert code == 0
    assert f"[{len(q.items) - 1}/{len(q.items)}]" in out and "Your interest code" in out
    assert len(yaml.safe_load(partial.read_text())) == len(q.items)


def test_assess_rejects_a_bad_answer_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("r1: 9\n")
    code, _, err = _run(capsys, "assess", "--answers", str(bad))
    assert code == 2 and "r1" in err and "0-4" in err


def test_occupations_search_json_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "occupations", "search", "数据分析", "--json")
    assert code == 0
    found = json.loads(out)
    assert {"data-analyst"} <= {o["id"] for o in found}
    assert all("source" in o["riasec"] for o in found)
    code, out, _ = _run(capsys, "occupations", "search", "--major", "学前教育", "--code", "S")
    assert code == 0 and "幼儿园教师" in out
    code, _, err = _run(capsys, "occupations", "search", "x", "--code", "XYZ")
    assert code == 2 and "RIASEC" in err


def test_occupations_check_reports_no_problems(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "occupations", "check")
    report = json.loads(out)
    assert code == 0 and report["problems"] == [] and report["occupations"] >= 120


def test_resume_review_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    job = tmp_path / "jd.txt"
    job.write_text("任职要求：熟悉税务申报，会用 SQL", encoding="utf-8")
    code, out, _ = _run(capsys, "resume", "review", str(FIXTURE), "--job", str(job), "--json")
    assert code == 0
    body = json.loads(out)
    found = {f["kind"] for f in body["findings"]}
    assert {"personal_data", "duty", "jd_missing"} <= found
    assert all(f["suggestion"] for f in body["findings"])
    assert "620102199901011234" not in out


def test_resume_review_refuses_an_image(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    image = tmp_path / "cv.pdf"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    code, _, err = _run(capsys, "resume", "review", str(image))
    assert code == 2 and "PDF, DOCX" in err


def test_interview_with_an_answers_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        yaml.safe_dump(["我会先倾听。", "我会请示领导。"], allow_unicode=True), encoding="utf-8"
    )
    code, out, _ = _run(
        capsys, "interview", "--occupation", "civil-servant", "--answers", str(answers), "--json"
    )
    assert code == 0
    body = json.loads(out)
    assert body["format"] == "structured" and len(body["feedback"]) == 2
    assert "回答了 2 题" in body["summary"]


def test_suggest_plan_includes_the_coaching_parts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = tmp_path / "me.yaml"
    profile.write_text(
        "education: 本科\nmajor: 会计学\ngraduation_date: 2028\nhome_province: 甘肃\n",
        encoding="utf-8",
    )
    code, out, _ = _run(
        capsys,
        "suggest",
        "--profile",
        str(profile),
        "--answers",
        str(_answers(tmp_path, "CE")),
        "--plan",
        "--today",
        "2026-12-01",
    )
    assert code == 0
    assert (
        "## 自我评估（兴趣测评）" in out
        and "## 目标职业（建议）" in out
        and "## 技能行动（按月）" in out
    )
    code, out, _ = _run(capsys, "suggest", "--profile", str(profile), "--code", "CEI", "--json")
    assert code == 0 and json.loads(out)[0]["reasons"]
