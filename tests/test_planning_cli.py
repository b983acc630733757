"""``careercoach eligible`` and ``careercoach plan`` end to end through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_eligible_json_from_a_description(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "eligible",
        "--describe",
        "本科会计专业，甘肃人，家里是低保户，想回老家工作，2027年毕业",
        "--json",
        "--today",
        "2026-11-22",
    )
    assert code == 0
    data = json.loads(out)
    assert data["profile"]["circumstances"] == ["dibao"]
    assert data["profile"]["home_province"] == "甘肃"
    subsidy = next(r for r in data["results"] if r["id"] == "job-seeking-subsidy")
    assert subsidy["outcome"] == "likely"
    assert len(subsidy["met"]) == 3 and all(m["source"]["quote"] for m in subsidy["met"])
    assert "job-seeking-subsidy.md" in {m["source"]["doc"] for m in subsidy["met"]}
    assert "各地不同" in subsidy["amount"]["text"]
    assert "确认" in subsidy["note"]


def test_eligible_text_from_a_profile_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "me.yaml"
    profile.write_text(
        "language: en\nnationality: Pakistan\neducation: master\ngraduation_date: 2027-06\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, "eligible", "--profile", str(profile), "--today", "2026-11-22")
    assert code == 0
    assert "✗ Civil service examinations (national and provincial) [unlikely]" in out
    assert "✓ Work permit route for outstanding international graduates [likely]" in out


def test_plan_markdown_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "plan.md"
    code, out, _ = _run(
        capsys,
        "plan",
        "--describe",
        "大专护理专业，想专升本，广西人，2027年毕业",
        "--markdown",
        "--today",
        "2026-11-22",
        "-o",
        str(target),
    )
    assert code == 0
    assert out.startswith("# 职业规划")
    assert "专升本考试" in out
    assert target.read_text(encoding="utf-8") == out.rstrip("\n") + "\n"


def test_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys,
        "plan",
        "--describe",
        "I want to start my own business, bachelor's in design, graduated in 2026",
        "--json",
        "--today",
        "2026-11-22",
    )
    assert code == 0
    data = json.loads(out)
    assert data["lang"] == "en"
    assert "startup-guarantee-loan" in [r["id"] for r in data["resources"]]
    numbers = {c["n"] for c in data["citations"]}
    assert all(m["cite"] in numbers for m in data["milestones"] if m["source"] == "clause")


def test_bad_input_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "plan")
    assert code != 0 and "--profile" in err
    bad = tmp_path / "me.yaml"
    bad.write_text("education: 小学\n", encoding="utf-8")
    code, _, err = _run(capsys, "eligible", "--profile", str(bad))
    assert code == 2 and "field 'education'" in err
    broken = tmp_path / "resources.yaml"
    broken.write_text("resources: []\ncalendar: [{id: x}]\n", encoding="utf-8")
    code, _, err = _run(capsys, "eligible", "--describe", "本科", "--catalogue", str(broken))
    assert code == 2 and "calendar entry 'x'" in err
