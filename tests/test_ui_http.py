"""The web app over real HTTP (uvicorn on 127.0.0.1): role refusals, login, the REST API.

The coach and the knowledge base are fakes (``tests/ui_fakes.py``); the store is the real one on
SQLite, so logins, lockouts, sessions and feedback are the product's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.store import Store
from bot.store.models import TranscriptFilter
from tests.http_app import PASSWORD, csrf_headers, form_token, login, running_app
from tests.ui_fakes import FakeCoach, make_services
from ui.app import build_app


@dataclass
class Server:
    url: str
    store: Store
    coach: FakeCoach


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home: Path = tmp_path_factory.mktemp("http") / "home"
    settings = Settings(home=home)
    services, coach, _kb, store = make_services(settings)
    store.add_user("li", "counselor", PASSWORD)
    store.add_user("wang", "maintainer", PASSWORD)
    with running_app(build_app(settings, services)) as url:
        yield Server(url, store, coach)
    store.close()


def client(server: Server, user: str | None = None) -> httpx.Client:
    http = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    if user is not None:
        answer = login(http, user)
        assert answer.status_code == 303, answer.text
    return http


HTML = {"accept": "text/html"}
GUARDED = [
    ("GET", "/counselor/config"),
    ("GET", "/counselor/gradio_api/queue/data"),
    ("POST", "/counselor/gradio_api/queue/join"),
    ("GET", "/counselor/export"),
    ("GET", "/maintainer/config"),
    ("POST", "/maintainer/gradio_api/upload"),
    ("POST", "/maintainer/gradio_api/queue/join"),
]


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_anonymous_is_refused_everywhere_under_staff_pages(
    server: Server, method: str, path: str
) -> None:
    answer = client(server).request(method, path)
    assert answer.status_code == 401
    assert answer.json()["error"] == "login required"


def test_anonymous_page_load_goes_to_the_login_form(server: Server) -> None:
    answer = client(server).get("/maintainer/", headers=HTML)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/maintainer/"
    form = client(server).get(answer.headers["location"])
    assert form.status_code == 200 and 'name="next" value="/maintainer/"' in form.text
    # the form sits in the staff page shell: a whole document with its own title
    assert form.text.startswith("<!doctype html>") and form.text.rstrip().endswith("</html>")
    assert "<title>careercoach 登录 / Sign in</title>" in form.text


def test_counselor_may_review_but_not_maintain(server: Server) -> None:
    http = client(server, "li")
    assert http.get("/counselor/", headers=HTML).status_code == 200
    assert http.get("/counselor/config").json()["mode"] == "blocks"
    for path in ("/maintainer/", "/maintainer/config"):
        refused = http.get(path, headers=HTML)
        assert refused.status_code == 403
        assert "maintainer" in refused.json()["error"]
    assert http.post("/maintainer/gradio_api/upload", headers=csrf_headers(http)).status_code == 403


def test_maintainer_may_do_both(server: Server) -> None:
    http = client(server, "wang")
    assert http.get("/maintainer/config").status_code == 200
    assert http.get("/counselor/config").status_code == 200
    assert http.get("/whoami").json() == {"name": "wang", "role": "maintainer"}


def test_forged_or_altered_session_token_is_refused(server: Server) -> None:
    http = client(server, "li")
    token = http.cookies["cc_auth"]
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, ""):
        other = client(server)
        other.cookies.set("cc_auth", forged)
        assert other.get("/counselor/config").status_code == 401
        assert other.get("/maintainer/config").status_code == 401


def test_wrong_password_and_logout(server: Server) -> None:
    http = client(server)
    bad = login(http, "li", "nope-nope")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    assert "cc_auth" not in http.cookies
    http = client(server, "li")
    assert http.get("/counselor/config").status_code == 200
    confirm = http.get("/logout")
    assert "<title>careercoach 退出登录 / Sign out</title>" in confirm.text
    assert 'action="/logout"' in confirm.text and "$" not in confirm.text
    out = http.get("/logout", headers={"sec-fetch-site": "same-origin"})
    assert out.status_code == 303
    assert http.get("/counselor/config").status_code == 401


def test_login_redirects_only_to_local_paths(server: Server) -> None:
    http = client(server)
    for target, expected in (
        ("//evil.example/x", "/counselor/"),
        ("/counselor/", "/counselor/"),
        ("https://evil.example/", "/counselor/"),
    ):
        data = {"username": "li", "password": PASSWORD, "next": target, "csrf": form_token(http)}
        answer = http.post("/login", data=data)
        assert answer.headers["location"] == expected


def test_review_queue_route_runs_with_the_login(server: Server) -> None:
    """The queue's route, called as the page script calls it, lists stored conversations for a
    counselor and refuses anyone else."""
    chat = client(server).post("/api/chat", json={"message": "HTTP测试问题"})
    assert chat.status_code == 200
    http = client(server, "li")
    call = {"args": [{"text": "HTTP测试问题", "unreviewed": True}]}
    answer = http.post("/counselor/cc/queue", json=call, headers=csrf_headers(http))
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == 1 and page["rows"][0]["title"] == "HTTP测试问题"
    assert client(server).post("/counselor/cc/queue", json=call).status_code == 401
    no_token = http.post("/counselor/cc/queue", json=call)
    assert no_token.status_code == 403 and no_token.json()["error"] == "cross-site request refused"
    broken = http.post(
        "/counselor/cc/queue",
        content=b"[1, 2",
        headers={"content-type": "application/json", **csrf_headers(http)},
    )
    assert broken.status_code == 400 and broken.json()["error_zh"] == "请求内容不是 JSON"


def test_graduate_chat_routes_stream_store_and_list(server: Server) -> None:
    """The chat script's routes: an answer streams as JSON lines ending with the stored turn,
    the conversation comes back for the same browser only, and a rating is kept."""
    http = client(server)
    http.get("/", headers=HTML)  # the page hands out the session cookie
    assert http.get("/cc/scripts/chat.js").text.startswith("// The bridge")
    streamed = http.post("/cc/chat/submit", json={"text": "低保家庭有补贴吗？", "lang": "zh"})
    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    views = [json.loads(line) for line in streamed.text.splitlines() if line.strip()]
    assert views[0]["busy"] is True and not views[-1].get("busy")
    last = views[-1]["messages"][-1]
    assert last["role"] == "assistant" and isinstance(last["turn_id"], int)
    again = http.get("/cc/chat/view", params={"lang": "zh"}).json()
    assert again["conversation_id"] == views[-1]["conversation_id"]
    assert [m["text"] for m in again["messages"] if m["role"] == "user"] == ["低保家庭有补贴吗？"]
    rated = http.post("/cc/chat/rate", json={"args": [last["turn_id"], -1, "", "zh"]}).json()
    assert rated["ok"] is True
    stranger = client(server)
    stranger.get("/", headers=HTML)
    assert stranger.get("/cc/chat/view").json()["messages"] == []
    refused = stranger.post("/cc/chat/rate", json={"args": [last["turn_id"], 1, "", "zh"]})
    assert refused.json()["ok"] is False
    assert http.post("/cc/chat/select", json=[1]).json()["error_zh"] == "请求内容必须是 JSON 对象"
    elsewhere = {"sec-fetch-site": "cross-site"}
    forged = http.post("/cc/chat/submit", json={"text": "x"}, headers=elsewhere)
    assert forged.status_code == 403 and forged.json()["error_zh"] == "已拒绝跨站请求"
    assert (
        http.post("/cc/chat/select", json={"action": "new"}, headers=elsewhere).status_code == 403
    )


def test_graduate_page_gives_an_anonymous_session_cookie(server: Server) -> None:
    http = client(server)
    page = http.get("/", headers=HTML)
    assert page.status_code == 200 and "<html" in page.text.lower()
    session = http.cookies["cc_session"]
    assert len(session) >= 16
    again = http.get("/", headers=HTML)
    assert "cc_session" not in again.headers.get("set-cookie", "")


def test_health(server: Server) -> None:
    body = client(server).get("/api/health").json()
    assert body["status"] == "ok" and body["mode"] == "offline"
    assert body["documents"] == 0


def test_chat_returns_the_answer_fields_and_keeps_the_session(server: Server) -> None:
    http = client(server)
    first = http.post("/api/chat", json={"message": "低保家庭有补贴吗？"})
    assert first.status_code == 200
    body = first.json()
    answer_fields = {
        "answer",
        "citations",
        "abstained",
        "mode",
        "warnings",
        "intent",
        "flagged",
        "lang",
        "standalone_query",
        "extra",
    }
    assert answer_fields <= set(body)
    assert body["citations"][0]["title"] == "一次性求职补贴" and body["mode"] == "offline"
    assert body["citations"][0]["source"] == "subsidy.md"  # a file name, never a server path
    assert body["stored"] is True
    session = body["session_id"]
    second = http.post("/api/chat", json={"session_id": session, "message": "那研究生呢？"})
    assert second.json()["session_id"] == session
    message, history, _lang = server.coach.calls[-1]
    assert message == "那研究生呢？" and history[0].text == "低保家庭有补贴吗？"

    rated = http.post(
        "/api/feedback",
        json={"session_id": session, "turn_id": body["turn_id"], "rating": -1, "comment": "不清楚"},
    )
    assert rated.json() == {"ok": True}
    summaries = server.store.list_conversations(TranscriptFilter(negative_feedback=True))
    assert any(s.first_question == "低保家庭有补贴吗？" for s in summaries)
    other = http.post(
        "/api/feedback",
        json={"session_id": "someone-else-entirely", "turn_id": body["turn_id"], "rating": 1},
    )
    assert other.status_code == 404


def test_chat_rejects_bad_input(server: Server) -> None:
    http = client(server)
    assert http.post("/api/chat", json={"message": ""}).status_code == 422
    assert http.post("/api/chat", json={"message": "  "}).status_code == 422
    long = http.post("/api/chat", json={"message": "x" * 2001})
    assert long.status_code == 422 and "x" * 50 not in long.text  # the input is not echoed
    assert "2000" in long.json()["error"] and "2000" in long.json()["error_zh"]
    for chosen in ("short", "aaaaaaaaaaaaaaaa", "student-2021123456"):
        fresh = http.post("/api/chat", json={"session_id": chosen, "message": "你好"})
        assert fresh.status_code == 200 and fresh.json()["session_id"] != chosen
        assert len(fresh.json()["session_id"]) >= 43  # a server-issued 256-bit id
