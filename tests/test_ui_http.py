"""The web app over real HTTP (uvicorn on 127.0.0.1): role refusals, login, the REST API.

The coach and the knowledge base are fakes (``tests/ui_fakes.py``); the store is the real one on
SQLite, so logins, lockouts, sessions and feedback are the product's own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.settings import Settings
from bot.store import Store
from bot.store.models import TranscriptFilter
from tests.ui_fakes import FakeCoach, make_services
from ui.app import build_app

PASSWORD = "a-long-enough-password-1"


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
    app = build_app(settings, services)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = uv.servers[0].sockets[0].getsockname()[1]
    yield Server(f"http://127.0.0.1:{port}", store, coach)
    uv.should_exit = True
    thread.join(10)
    store.close()


def client(server: Server, user: str | None = None) -> httpx.Client:
    http = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)
    if user is not None:
        answer = http.post("/login", data={"username": user, "password": PASSWORD, "next": ""})
        assert answer.status_code == 303, answer.text
    return http


HTML = {"accept": "text/html"}
GUARDED = [
    ("GET", "/counselor/config"),
    ("GET", "/counselor/gradio_api/info"),
    ("POST", "/counselor/gradio_api/queue/join"),
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


def test_counselor_may_review_but_not_maintain(server: Server) -> None:
    http = client(server, "li")
    assert http.get("/counselor/", headers=HTML).status_code == 200
    assert http.get("/counselor/config").json()["mode"] == "blocks"
    for path in ("/maintainer/", "/maintainer/config"):
        refused = http.get(path, headers=HTML)
        assert refused.status_code == 403
        assert "maintainer" in refused.json()["error"]
    assert http.post("/maintainer/gradio_api/upload").status_code == 403


def test_maintainer_may_do_both(server: Server) -> None:
    http = client(server, "wang")
    assert http.get("/maintainer/config").status_code == 200
    assert http.get("/counselor/config").status_code == 200
    assert http.get("/whoami").json() == {"name": "wang", "role": "maintainer"}


def test_forged_or_tampered_cookie_is_refused(server: Server) -> None:
    http = client(server, "li")
    token = http.cookies["cc_auth"]
    body, mac = token.rsplit(".", 1)
    import base64

    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["r"] = "maintainer"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    forged = client(server)
    forged.cookies.set("cc_auth", f"{forged_body}.{mac}")
    assert forged.get("/maintainer/config").status_code == 401
    assert forged.get("/counselor/config").status_code == 401


def test_wrong_password_and_logout(server: Server) -> None:
    http = client(server)
    bad = http.post("/login", data={"username": "li", "password": "nope", "next": ""})
    assert bad.status_code == 401 and "/" in bad.text
    assert "cc_auth" not in http.cookies
    http = client(server, "li")
    assert http.get("/counselor/config").status_code == 200
    out = http.get("/logout")
    assert out.status_code == 303
    assert http.get("/counselor/config").status_code == 401


def test_login_redirects_only_to_local_paths(server: Server) -> None:
    http = client(server)
    for target, expected in (
        ("//evil.example/x", "/counselor/"),
        ("/counselor/", "/counselor/"),
        ("https://evil.example/", "/counselor/"),
    ):
        answer = http.post("/login", data={"username": "li", "password": PASSWORD, "next": target})
        assert answer.headers["location"] == expected


def test_review_queue_route_runs_with_the_login(server: Server) -> None:
    """The queue's route, called as the page script calls it, lists stored conversations for a
    counselor and refuses anyone else."""
    chat = client(server).post("/api/chat", json={"message": "HTTP测试问题"})
    assert chat.status_code == 200
    http = client(server, "li")
    call = {"args": [{"text": "HTTP测试问题", "unreviewed": True}]}
    answer = http.post("/counselor/cc/queue", json=call)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["total"] == 1 and page["rows"][0]["title"] == "HTTP测试问题"
    assert client(server).post("/counselor/cc/queue", json=call).status_code == 401
    broken = http.post(
        "/counselor/cc/queue", content=b"[1, 2", headers={"content-type": "application/json"}
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
    assert http.post("/api/chat", json={"message": "x" * 2001}).status_code == 422
    short = http.post("/api/chat", json={"session_id": "short", "message": "你好"})
    assert short.status_code == 400 and "session_id" in short.json()["detail"]
