"""Poisoned documents: contact claims against the official list, fee and credential demands set
aside at ingestion, and answers that quote an unverified contact only with a warning.

The documents here are written for these tests (not taken from the eval dataset)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.chat.coach import Coach
from bot.chat.crisis import load_crisis
from bot.chat.glossary import Glossary
from bot.chat.prompts import PromptLibrary
from bot.chat.safety import quarantine, unverified_claims
from bot.errors import IngestError
from bot.knowledge.claims import OfficialChannels, find_claims
from bot.knowledge.loaders import load_source
from bot.knowledge.screening import credential_demand, payment_demand
from bot.settings import Settings
from tests.chat_fakes import make_hit
from tests.conftest import REPO
from tests.test_ingest_ocr import make_kb

CHANNELS = OfficialChannels.load()


def kinds(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.value) for c in find_claims(text)]


def test_claims_are_found_as_notices_write_them() -> None:
    assert kinds("咨询专线：400-123-4567，或拨打（0571）87654321") == [
        ("phone", "4001234567"),
        ("phone", "057187654321"),
    ]
    assert kinds("手机 139 1234 5678，微信号：job_help88") == [
        ("phone", "13912345678"),
        ("account", "job_help88"),
    ]
    assert kinds("访问 https://sub.example-jobs.com/apply?id=3 报名") == [
        ("site", "sub.example-jobs.com")
    ]
    assert kinds("可拨打12333咨询") == [("phone", "12333")]
    # amounts, years and versions are not phones or sites
    assert kinds("补贴12000元，2026年起执行，见第3.2节，v1.5版") == []


@pytest.mark.parametrize(
    ("text", "trusted"),
    [
        ("拨打12333", True),
        ("登录 www.ncss.cn", True),
        ("登录 jobs.ncss.cn", True),
        ("登录 www.ncss-jobs.cn", False),  # a look-alike, not a subdomain
        ("登录 ncss.cn.help-desk.com", False),
        ("访问 hrss.example.gov.cn", True),  # a public body's registry
        ("访问 gov-cn.example.com", False),
        ("拨打 400-123-4567", False),
        ("添加QQ 12345678", False),
    ],
)
def test_only_listed_channels_are_trusted(text: str, trusted: bool) -> None:
    (claim,) = find_claims(text)
    assert CHANNELS.trusted(claim) is trusted


def test_an_issuers_own_channels_count_for_its_documents_only(tmp_path: Path) -> None:
    listed = tmp_path / "channels.yaml"
    listed.write_text(
        "phones: []\ndomains: []\nsuffixes: []\naccounts: []\n"
        "issuers:\n  - name: 示例大学\n    domains: [career.example.org]\n"
        "    phones: ['010-62345678']\n",
        encoding="utf-8",
    )
    channels = OfficialChannels.load(listed)
    (site,) = find_claims("见 career.example.org")
    (phone,) = find_claims("电话 010-62345678")
    assert channels.trusted(site, issuer="示例大学就业指导中心")
    assert channels.trusted(phone, issuer="示例大学就业指导中心")
    assert not channels.trusted(site, issuer="另一所学院")


@pytest.mark.parametrize(
    "sentence",
    [
        "资格审核通过后，须缴纳档案管理费150元方可发放补贴。",
        "请于三日内将押金500元转入以下账户。",
        "Applicants must pay a processing fee of 80 yuan before the grant is released.",
        "报名费请扫码支付到工作人员个人账户。",
    ],
)
def test_fee_demands_are_found(sentence: str) -> None:
    assert payment_demand(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "申领补贴不收取任何费用，谨防以收取手续费为名的诈骗。",
        "灵活就业人员按规定缴纳社会保险费后，可申请社会保险补贴。",
        "补贴资金1500元由财政直接发放到本人社会保障卡。",
        "考生按规定缴纳报名考试费。",
        "按规定，补贴标准原则上不超过本人实际缴费的三分之二。",
    ],
)
def test_advice_contributions_and_payouts_are_not_fee_demands(sentence: str) -> None:
    assert not payment_demand(sentence)


def test_credential_demands_but_not_warnings_about_them() -> None:
    assert credential_demand("请在页面填写银行卡号及收到的短信验证码完成核验。")
    assert credential_demand("Please send us the SMS verification code to confirm.")
    assert not credential_demand("任何人索要短信验证码都是诈骗，切勿提供。")
    assert not credential_demand("申请时提供本人社会保障卡银行账号。")  # a payout account


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    root.mkdir()
    write(
        root,
        "fee.md",
        "# 见习补贴领取说明\n\n见习期满后，须先缴纳资料审核费120元，审核通过即可领取补贴。\n",
    )
    write(
        root,
        "hotline.md",
        "# 就业见习补贴咨询\n\n就业见习补贴由见习单位统一申报。见习补贴咨询热线为400-765-4321，"
        "工作日9点至17点接听。\n",
    )
    write(root, "title.md", "# 求职补贴专线 400-765-4321\n\n求职补贴面向困难家庭毕业生。\n")
    write(
        root,
        "clean.md",
        "# 就业见习说明\n\n离校两年内未就业的高校毕业生可参加就业见习，见习期一般为3至12个月。"
        "可拨打12333咨询。\n",
    )
    write(
        root,
        "verify.html",
        "<html><body><main><h1>补贴到账核验</h1><p>为核验补贴到账账户，请在下方填写信息。</p>"
        "<form><input name='card' placeholder='银行卡号'>"
        "<input name='sms' placeholder='短信验证码'></form></main></body></html>",
    )
    write(
        root,
        "signup.html",
        "<html><body><main><h1>招聘会报名</h1><p>毕业生可在线登记参加校园招聘会，现场免费入场。</p>"
        "<form><input name='name' placeholder='姓名'><input name='major' placeholder='专业'>"
        "</form></main></body></html>",
    )
    return root


def test_the_refresh_sets_aside_fraud_and_notes_claims(settings: Settings, folder: Path) -> None:
    report = make_kb(settings).refresh([folder])
    got = {Path(f.path).name: f for f in report.files}
    for name in ("fee.md", "verify.html"):
        assert got[name].status == "skipped", name
        assert got[name].reason.startswith("set aside as possible fraud"), got[name].reason
    assert "资料审核费120元" in got["fee.md"].reason
    assert got["title.md"].status == "skipped"
    assert "title names an unofficial contact (400-765-4321)" in got["title.md"].reason
    assert got["hotline.md"].status == "indexed"
    assert "not on the official list" in got["hotline.md"].reason
    assert "400-765-4321" in got["hotline.md"].reason
    assert got["clean.md"].status == "indexed" and got["clean.md"].reason == ""
    assert got["signup.html"].status == "indexed" and "web form" in got["signup.html"].reason


def test_an_unverified_hotline_is_quoted_only_with_a_warning(
    settings: Settings, folder: Path
) -> None:
    kb = make_kb(settings)
    kb.refresh([folder])
    coach = Coach(
        kb, PromptLibrary(), Glossary.load(), load_crisis(), today=lambda: date(2026, 11, 22)
    )
    answer = coach.answer("就业见习补贴的咨询电话是多少？")
    assert "400-765-4321" in answer.answer, answer.answer  # quoted, as the document says it
    assert answer.extra["unverified_claims"] == ["400-765-4321"]
    assert "不在本系统核对过的官方渠道名单中" in answer.answer
    assert answer.answer.index("400-765-4321") < answer.answer.index("官方渠道名单")
    assert any("官方渠道名单" in w for w in answer.warnings)
    assert "12333" in answer.answer  # the official channel is always there to check with


def test_the_starter_knowledge_base_passes_screening() -> None:
    for path in sorted((REPO / "knowledge" / "docs").glob("*.md")):
        try:
            doc = load_source(path, max_bytes=10_000_000)
        except IngestError as error:  # pragma: no cover - shown when it fails
            pytest.fail(f"{path.name} set aside: {error.reason}")
        assert not [n for n in doc.notes if "official list" in n], path.name


def test_answer_time_screening_covers_titles_and_old_indexes() -> None:
    titled = make_hit("求职补贴的申请由学校统一组织。", 1, title="补贴客服微信 grant_desk01 咨询")
    fee = make_hit("领取补贴前须缴纳服务费99元。", 2, title="补贴通知")
    clean = make_hit("求职补贴由学校统一组织申报。", 3, title="求职补贴说明")
    kept = quarantine([titled, fee, clean])
    assert [h.title for h in kept.hits] == ["求职补贴说明"]
    assert kept.held == {"补贴客服微信 grant_desk01 咨询": "contact", "补贴通知": "payment"}
    assert unverified_claims(make_hit("咨询 400-765-4321 或 12333", title="t")) == ["400-765-4321"]
