"""``careercoach assess / occupations / resume / interview / suggest``: thin commands over
``bot.coaching``.

``assess`` asks the questionnaire's items one by one (or reads ``--answers FILE``, YAML or JSON
``{item id: 0-4}``; with ``--save FILE`` every answer is written at once, so an interrupted run
resumes from that file). ``occupations search`` filters the catalogue; ``occupations check`` runs
the catalogue cross-check. ``resume review`` prints findings (kind, text, suggestion) and, with a
chat model configured, checked rewrites; nothing is stored. ``interview`` asks questions of a
format and gives feedback on each typed answer, then a summary. ``suggest`` lists occupations for
a profile, or prints the whole coaching plan with ``--plan``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml

from bot.cli import settings_of
from bot.errors import ValidationFailed


def _read_mapping(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ValidationFailed(
            f"{path}: cannot read ({error.strerror})",
            message_zh=f"{path}：无法读取（{error.strerror}）",
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML or JSON ({error})",
            message_zh=f"{path}：不是有效的 YAML/JSON（{error}）",
        ) from None


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("assess")
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Answers file {item id: 0-4}; missing items are asked / 答案文件.",
)
@click.option(
    "--save",
    "save_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write answers here after each item, to resume later / 随答随存.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def assess(answers_path: Path | None, save_path: Path | None, lang: str, as_json: bool) -> None:
    """Holland (RIASEC) interest questionnaire / 霍兰德职业兴趣测评."""
    from bot.coaching import riasec

    questionnaire = riasec.load_questionnaire()
    answers: dict[str, int] = {}
    if answers_path is not None and answers_path.exists():
        answers = riasec.check_answers(
            questionnaire, _read_mapping(answers_path), source=str(answers_path)
        )
    scale = " ".join(f"{c.value}={c.get(lang)}" for c in questionnaire.scale)
    while (item := riasec.next_item(questionnaire, answers)) is not None:
        done, total = riasec.progress(questionnaire, answers)
        if done == len(answers) and not as_json and done == 0:
            click.echo(scale)
        value = click.prompt(
            f"[{done + 1}/{total}] {item.get(lang)}", type=click.IntRange(0, 4), err=as_json
        )
        answers[item.id] = value
        if save_path is not None:
            save_path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    result = riasec.score(questionnaire, answers)
    if as_json:
        _echo_json(result.model_dump() | {"meaning": riasec.explain(questionnaire, result, lang)})
        return
    click.echo(riasec.bars(result, questionnaire, lang))
    click.echo("")
    click.echo(riasec.explain(questionnaire, result, lang))


@click.group("occupations")
def occupations() -> None:
    """The occupation catalogue / 职业目录."""


@occupations.command("search")
@click.argument("text", required=False, default="")
@click.option("--major", help="Typical major, e.g. 会计学 / 专业.")
@click.option("--code", help="RIASEC letters, e.g. IA / 兴趣代码.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def occupations_search(
    text: str, major: str | None, code: str | None, lang: str, as_json: bool
) -> None:
    """Search occupations by words, major and code / 搜索职业."""
    from bot.coaching.occupations import load_occupations, search
    from bot.coaching.riasec import parse_code

    catalogue = load_occupations()
    found = search(catalogue, text, major=major, code=parse_code(code) if code else None)
    if as_json:
        _echo_json(
            [
                occ.model_dump(mode="json", exclude_none=True)
                | {"resources": catalogue.resources_of(occ)}
                for occ in found
            ]
        )
        return
    if not found:
        click.echo("没有找到匹配的职业。" if lang == "zh" else "No occupation matches.")
    for occ in found:
        code_text = occ.dadian.code if occ.dadian else "—"
        skills = ("、" if lang == "zh" else ", ").join(
            catalogue.skills[s].get(lang) for s in occ.skills
        )
        click.echo(f"{occ.id}  {occ.name.get(lang)}  [{occ.riasec.code}]  大典 {code_text}")
        click.echo(f"    {'专业' if lang == 'zh' else 'majors'}: {'、'.join(occ.majors)}")
        click.echo(f"    {'技能' if lang == 'zh' else 'skills'}: {skills}")


@occupations.command("check")
def occupations_check() -> None:
    """Cross-check the catalogue against its sources / 目录核对."""
    from bot.coaching.occupations import check_catalogue, load_occupations, summary
    from bot.planning.catalogue import default_catalogue_path, load_catalogue

    catalogue = load_occupations()
    docs = default_catalogue_path().parent / "docs"
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    problems = check_catalogue(
        catalogue, load_catalogue(), docs, shared if shared.is_dir() else None
    )
    _echo_json(summary(catalogue) | {"paper_checked": shared.is_dir(), "problems": problems})
    if problems:
        raise click.exceptions.Exit(1)


@click.group("resume")
def resume() -> None:
    """Résumé review / 简历诊断."""


@resume.command("review")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--job",
    "job_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Job description text file / 岗位描述.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def resume_review(file: Path, job_path: Path | None, lang: str, as_json: bool) -> None:
    """Review a PDF/DOCX/TXT résumé; nothing is stored / 诊断简历（不保存）."""
    from bot.chat.llm import make_chat_model
    from bot.coaching.resume import read_resume, review
    from bot.coaching.rewrite import suggest_rewrites
    from bot.knowledge.encoding import decode_text

    data = file.read_bytes()
    text = read_resume(data, str(file))
    job = decode_text(job_path.read_bytes(), str(job_path)) if job_path else None
    findings = review(text, job)
    llm = make_chat_model(settings_of(click.get_current_context()))
    rewrites = suggest_rewrites(text, findings, llm, lang)
    if as_json:
        _echo_json(
            {
                "pages": text.pages,
                "findings": [
                    {"kind": f.kind, "text": f.text, "suggestion": f.suggestion(lang)}
                    for f in findings
                ],
                "rewrites": [r.model_dump() for r in rewrites],
            }
        )
        return
    if not findings:
        click.echo("没有发现问题。" if lang == "zh" else "No findings.")
    for f in findings:
        click.echo(f"[{f.kind}] {f.text}\n    → {f.suggestion(lang)}")
    for r in rewrites:
        if r.kept:
            click.echo(f"~ {r.original}\n  ⇒ {r.rewrite}")


@click.command("interview")
@click.option("--occupation", "occupation_id", help="Target occupation id / 目标职业.")
@click.option(
    "--format", "fmt", type=click.Choice(["structured", "group", "teacher", "behavioural"])
)
@click.option("--count", type=click.IntRange(1, 10), default=2, show_default=True)
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="YAML/JSON list of answers, one per question, instead of typing.",
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def interview(
    occupation_id: str | None,
    fmt: str | None,
    count: int,
    answers_path: Path | None,
    lang: str,
    as_json: bool,
) -> None:
    """Interview practice with feedback / 模拟面试."""
    from bot.chat.llm import make_chat_model
    from bot.coaching import interview as iv
    from bot.coaching.occupations import load_occupations

    bank = iv.load_bank()
    if fmt is None:
        if occupation_id:
            occ = load_occupations().get(occupation_id)
            fmt = iv.formats_for(occ.routes, occ.certificates)[0]
        else:
            fmt = "behavioural"
    questions = bank.of_format(fmt)[:count]
    given: list[str] = []
    if answers_path is not None:
        data = _read_mapping(answers_path)
        if not isinstance(data, list) or not all(isinstance(a, str) for a in data):
            raise ValidationFailed(
                f"{answers_path}: expected a list of answers (text)",
                message_zh=f"{answers_path}：应为回答（文字）的列表",
            )
        given = data
    llm = make_chat_model(settings_of(click.get_current_context()))
    results = []
    for n, question in enumerate(questions):
        if n < len(given):
            answer = given[n]
        elif answers_path is not None:
            break
        else:
            answer = click.prompt(f"\n{question.get(lang)}\n>", type=str)
        result = iv.feedback(question, answer, lang)
        result.llm_feedback = iv.llm_feedback(question, answer, result, llm, lang)
        results.append(result)
        if not as_json:
            click.echo(("问题：" if lang == "zh" else "Question: ") + question.get(lang))
            for tip in result.tips or ["✓"]:
                click.echo(f"  - {tip}")
            if result.llm_feedback:
                click.echo(f"  {result.llm_feedback}")
    if as_json:
        _echo_json(
            {
                "format": fmt,
                "feedback": [r.model_dump() for r in results],
                "summary": iv.summary(results, lang),
            }
        )
        return
    click.echo("")
    click.echo(iv.summary(results, lang))


@click.command("suggest")
@click.option(
    "--profile",
    "profile_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="Profile YAML / 画像文件.",
)
@click.option("--code", help="Interest code from the questionnaire (e.g. CSE) / 兴趣代码.")
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Questionnaire answers: the code and the self-assessment come from them.",
)
@click.option("--plan", "as_plan", is_flag=True, help="Print the whole coaching plan (Markdown).")
@click.option("--today", help="As of this date (YYYY-MM-DD).")
@click.option("--lang", type=click.Choice(["zh", "en"]))
@click.option("--json", "as_json", is_flag=True)
def suggest_command(
    profile_path: Path,
    code: str | None,
    answers_path: Path | None,
    as_plan: bool,
    today: str | None,
    lang: str | None,
    as_json: bool,
) -> None:
    """Suggested occupations, or the plan with its coaching parts / 推荐职业与规划."""
    from bot.coaching import riasec
    from bot.coaching.matching import suggest
    from bot.coaching.occupations import load_occupations
    from bot.coaching.planning import coaching_plan
    from bot.planning.catalogue import load_catalogue
    from bot.planning.plan import render_markdown
    from bot.planning.profile import load_profile

    profile = load_profile(profile_path)
    if lang:
        profile = profile.model_copy(update={"language": lang})
    language = profile.language or "zh"
    day = date.fromisoformat(today) if today else date.today()
    catalogue = load_occupations()
    questionnaire = result = None
    if answers_path is not None:
        questionnaire = riasec.load_questionnaire()
        answers = riasec.check_answers(
            questionnaire, _read_mapping(answers_path), source=str(answers_path)
        )
        result = riasec.score(questionnaire, answers)
    interest = result.code if result else (riasec.parse_code(code) if code else None)
    if as_plan:
        plan = coaching_plan(
            profile,
            load_catalogue(),
            catalogue,
            day,
            questionnaire=questionnaire,
            result=result,
            code=interest,
            lang=language,
        )
        click.echo(
            json.dumps(plan.to_dict(), ensure_ascii=False, indent=2)
            if as_json
            else render_markdown(plan)
        )
        return
    found = suggest(profile, catalogue, interest)
    if as_json:
        _echo_json(
            [
                {
                    "id": s.id,
                    "name": s.occupation.name.get(language),
                    "score": s.score,
                    "reasons": [r.get(language) for r in s.reasons],
                    "routes": s.routes,
                    "resources": s.resources,
                    "gaps": s.gaps,
                }
                for s in found
            ]
        )
        return
    for s in found:
        click.echo(f"{s.occupation.name.get(language)} ({s.id}, {s.score:.1f})")
        for reason in s.reasons:
            click.echo(f"  - {reason.get(language)}")


commands = [assess, occupations, resume, interview, suggest_command]
