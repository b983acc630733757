"""The coaching REST API over real HTTP (uvicorn on 127.0.0.1), the real store and data."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.coaching import riasec
from bot.settings import Settings
from tests.http_app import PASSWORD, login
from tests.ui_fakes import make_services
from ui.app import build_app
from ui.coaching import make_coaching

RESUME = Path(__file__).parent / "fixtures" / "coaching" / "resume-weak.txt"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(home=tmp_path_factory.mktemp("coaching-http") / "home")
    services, _coach, _kb, store = make_services(settings)
    services.coaching = make_coaching(settings, store)
    store.add_user("li", "counselor", PASSWORD)
    app = build_app(settings, services)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{uv.servers[0].sockets[0].getsockname()[1]}"
    uv.should_exit = True
    thread.join(10)
    store.close()


def http(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, follow_redirects=False)


def test_the_questionnaire_resumes_and_scores(url: str) -> None:
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    items = c.get("/api/coaching/questionnaire", params={"lang": "en"}).json()["items"]
    q = riasec.load_questionnaire()
    first = {i["id"]: 4 for i in items[:20]}
    state = c.post("/api/coaching/assessment", json={"session_id": sid, "answers": first}).json()
    assert state["answered"] == 20 and state["result"] is None
    resumed = c.get("/api/coaching/assessment", params={"session_id": sid}).json()
    assert resumed["answers"] == first
    rest = {i.id: 4 if i.type in "IA" else 0 for i in q.items[20:]}
    first = {i.id: 4 if i.type in "IA" else 0 for i in q.items[:20]}
    done = c.post(
        "/api/coaching/assessment",
        json={"session_id": sid, "answers": {**first, **rest}, "lang": "en"},
    ).json()
    assert done["result"]["code"].startswith(("IA", "AI"))
    assert (
        done["view"]["chart_svg"].startswith("<svg") and "not abilities" in done["view"]["meaning"]
    )
    matched = c.post(
        "/api/coaching/match", json={"session_id": sid, "profile": {"major": "建筑学"}}
    ).json()
    assert matched["suggestions"][0]["id"] == "architect"
    plan = c.post(
        "/api/coaching/plan", json={"session_id": sid, "profile": {"major": "建筑学"}, "lang": "en"}
    ).json()
    assert (
        "Self-assessment" in plan["markdown"]
        and plan["plan"]["self_assessment"]["code"] == done["result"]["code"]
    )


def test_answers_sent_at_the_same_time_are_all_kept(url: str) -> None:
    # the page saves each radio in its own request: none of them may overwrite another
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    items = riasec.load_questionnaire().items
    start = threading.Barrier(8)

    def send(chunk: list[riasec.Item]) -> None:
        with http(url) as own:
            start.wait(timeout=60)
            for item in chunk:
                own.post(
                    "/api/coaching/assessment",
                    json={"session_id": sid, "answers": {item.id: 3}},
                ).raise_for_status()

    threads = [threading.Thread(target=send, args=(items[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    state = c.get("/api/coaching/assessment", params={"session_id": sid}).json()
    assert state["answers"] == {item.id: 3 for item in items}


def _docx(text: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_pages_resume_file_is_reviewed_for_its_cookie_session(url: str) -> None:
    c = http(url)
    c.get("/")  # the page issues the graduate's cookie session
    word = _docx(RESUME.read_text(encoding="utf-8"))
    kinds = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    answer = c.post(
        "/cc/resume/review",
        files={"file": ("我的简历.docx", word, kinds)},
        data={"job": "", "keep": "false", "lang": "en"},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert {"personal_data", "duty"} <= {f["kind"] for f in body["findings"]}
    assert all("620102199901011234" not in f["text"] for f in body["findings"])
    assert all(f["suggestion"].isascii() for f in body["findings"] if f["kind"] == "duty")
    # nothing chosen, a file of no known kind, another site: each a clear refusal
    empty = c.post("/cc/resume/review", data={"lang": "zh"})
    assert empty.status_code == 400 and empty.json()["error_zh"] == "请先选择简历文件。"
    odd = c.post("/cc/resume/review", files={"file": ("cv.exe", b"MZ\x90\x00", "x/y")})
    assert odd.status_code == 400 and odd.json()["error"] and odd.json()["error_zh"]
    forged = c.post(
        "/cc/resume/review",
        files={"file": ("cv.docx", word, kinds)},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert forged.status_code == 403


def test_bad_answers_are_a_clear_400(url: str) -> None:
    answer = http(url).post("/api/coaching/assessment", json={"answers": {"nope": 3}})
    assert answer.status_code == 400 and "nope" in answer.json()["detail"]


def test_resume_upload_is_reviewed_and_not_stored_unless_asked(url: str) -> None:
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    with RESUME.open("rb") as handle:
        body = c.post(
            "/api/coaching/resume",
            files={"file": ("cv.txt", handle)},
            data={"session_id": sid, "job": "任职要求：熟悉 SQL"},
        ).json()
    assert {"personal_data", "duty", "jd_missing"} <= {f["kind"] for f in body["findings"]}
    assert body["record_id"] is None
    assert c.get("/api/coaching/records", params={"session_id": sid}).json() == []
    with RESUME.open("rb") as handle:
        kept = c.post(
            "/api/coaching/resume",
            files={"file": ("cv.txt", handle)},
            data={"session_id": sid, "keep": "true"},
        ).json()
    records = c.get("/api/coaching/records", params={"session_id": sid}).json()
    assert [r["id"] for r in records] == [kept["record_id"]]
    empty = c.post("/api/coaching/resume", files={"file": ("cv.pdf", b"")})
    assert empty.status_code == 400 and "空文件" in empty.json()["detail"]


def test_interview_questions_feedback_and_summary(url: str) -> None:
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    listed = c.get(
        "/api/coaching/interview/questions", params={"occupation": "primary-teacher"}
    ).json()
    assert listed["format"] == "teacher" and listed["questions"]
    qid = listed["questions"][0]["id"]
    body = c.post(
        "/api/coaching/interview/feedback",
        json={"session_id": sid, "question_id": qid, "answer": "我喜欢孩子。"},
    ).json()
    assert "length" in body["issues"] and "回答了 1 题" in body["summary"]
    unknown = c.post(
        "/api/coaching/interview/feedback", json={"question_id": "xx-none", "answer": "x"}
    )
    assert unknown.status_code == 400


def test_counselors_see_only_what_was_shared(url: str) -> None:
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    plan = c.post(
        "/api/coaching/plan", json={"session_id": sid, "profile": {"major": "法学"}}
    ).json()
    assert c.get("/counselor/api/coaching/shared").status_code == 401
    staff = http(url)
    assert login(staff, "li").status_code == 303
    before = {r["id"] for r in staff.get("/counselor/api/coaching/shared").json()}
    assert plan["record_id"] not in before
    other = c.post("/api/coaching/session").json()["session_id"]
    assert (
        c.post(
            "/api/coaching/share", json={"session_id": other, "record_id": plan["record_id"]}
        ).status_code
        == 404
    )
    assert c.post(
        "/api/coaching/share", json={"session_id": sid, "record_id": plan["record_id"]}
    ).json() == {"ok": True}
    after = staff.get("/counselor/api/coaching/shared", params={"kind": "plan"}).json()
    assert plan["record_id"] in {r["id"] for r in after}


def test_a_graduate_goes_from_the_questionnaire_to_a_shared_plan(url: str) -> None:
    """The 甘肃 accounting graduate's journey through the API the web tabs call."""
    journeys = Path(__file__).parent / "fixtures" / "coaching" / "journeys"
    c = http(url)
    sid = c.post("/api/coaching/session").json()["session_id"]
    profile = {"education": "本科", "major": "会计学", "home_province": "甘肃"}
    items = c.get("/api/coaching/questionnaire").json()["items"]
    liking = {"C": 4, "E": 3, "S": 2}
    by_type = {i.id: i.type for i in riasec.load_questionnaire().items}
    answers = {i["id"]: liking.get(by_type[i["id"]], 1) for i in items}
    ids = list(answers)
    half = {k: answers[k] for k in ids[: len(ids) // 2]}
    c.post("/api/coaching/assessment", json={"session_id": sid, "answers": half})
    # she comes back later: the first half is still there, she answers the rest
    again = http(url)
    assert (
        again.get("/api/coaching/assessment", params={"session_id": sid}).json()["answers"] == half
    )
    rest = {k: answers[k] for k in ids[len(ids) // 2 :]}
    done = again.post("/api/coaching/assessment", json={"session_id": sid, "answers": rest}).json()
    assert done["result"]["code"] == "CES" and "兴趣不等于能力" in done["view"]["meaning"]

    matched = again.post(
        "/api/coaching/match", json={"session_id": sid, "profile": profile}
    ).json()["suggestions"]
    assert "accountant" in {s["id"] for s in matched}

    with (journeys / "gansu-accounting-cv.txt").open("rb") as handle:
        reviewed = again.post(
            "/api/coaching/resume",
            files={"file": ("cv.txt", handle)},
            data={
                "session_id": sid,
                "job": (journeys / "gansu-accounting-job.txt").read_text(encoding="utf-8"),
            },
        ).json()
    assert {"duty", "jd_missing"} <= {f["kind"] for f in reviewed["findings"]}
    assert reviewed["record_id"] is None  # not kept: she did not ask

    listed = again.get(
        "/api/coaching/interview/questions",
        params={"occupation": "accountant", "format": "behavioural"},
    ).json()
    for question, answer in zip(
        listed["questions"][:2],
        [
            "我很努力。",
            "大三寒假实习时我核对了 300 多笔往来款，发现 12 处差异，最终按期完成了审计。",
        ],
        strict=True,
    ):
        body = again.post(
            "/api/coaching/interview/feedback",
            json={"session_id": sid, "question_id": question["id"], "answer": answer},
        ).json()
    assert "回答了 2 题" in body["summary"]

    plan = again.post("/api/coaching/plan", json={"session_id": sid, "profile": profile}).json()
    assert "## 自我评估（兴趣测评）" in plan["markdown"] and "CES" in plan["markdown"]
    kinds = {
        r["kind"]: r["id"]
        for r in again.get("/api/coaching/records", params={"session_id": sid}).json()
    }
    assert "resume" not in kinds and {"assessment", "plan"} <= set(kinds)
    for kind in ("assessment", "plan"):
        shared = again.post(
            "/api/coaching/share", json={"session_id": sid, "record_id": kinds[kind]}
        )
        assert shared.json() == {"ok": True}
    staff = http(url)
    assert login(staff, "li").status_code == 303
    seen = {r["id"]: r for r in staff.get("/counselor/api/coaching/shared").json()}
    assert {kinds["assessment"], kinds["plan"]} <= set(seen)
    assert "CES" in str(seen[kinds["assessment"]]["data"])
