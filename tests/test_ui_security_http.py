"""The web app's security controls over real HTTP (uvicorn on 127.0.0.1, the real store):
what each mounted app serves to whom, headers, exports, session revocation, cookies, CSRF,
throttling, body and upload limits, and file modes. The coach and knowledge base are fakes."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.store import Store
from tests.http_app import PASSWORD, csrf_headers, form_token, login, running_app
from tests.listener import Listener
from tests.ui_fakes import make_services
from ui.app import build_app
from ui.login import failure_rows

SECRET_TEXT = "counselor-only-secret-7f3a"
HTML = {"accept": "text/html"}
REPO = Path(__file__).resolve().parents[1]


@dataclass
class App:
    url: str
    home: Path
    store: Store
    services: object


def _serve(tmp: Path, **fields: object) -> Iterator[App]:
    settings = Settings(home=tmp / "home", **fields)  # type: ignore[arg-type]
    services, _coach, _kb, store = make_services(settings)
    for name, role in (("li", "counselor"), ("wang", "maintainer"), ("zhao", "counselor")):
        store.add_user(name, role, PASSWORD)  # type: ignore[arg-type]
    with running_app(build_app(settings, services)) as url:
        yield App(url, settings.home, store, services)
    store.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    yield from _serve(tmp_path_factory.mktemp("sec"))


def browser(app: App, user: str | None = None, **headers: str) -> httpx.Client:
    http = httpx.Client(base_url=app.url, follow_redirects=False, timeout=60, headers=headers)
    if user is not None:
        assert login(http, user).status_code == 303
    return http


# --- what each mounted app serves ----------------------------------------------------------
FILE_ROUTES = [
    "/gradio_api/file={path}",
    "/file={path}",
    "/gradio_api/file/{path}",
    "/gradio_api/proxy={path}",
]


@pytest.fixture(scope="module")
def leak_targets(app: App) -> Iterator[list[str]]:
    """Files a leak would serve: an old-style export and plan, the database, a maintainer's
    upload in Gradio's temporary folder, a system file, and the attacker's own URL."""
    with Listener() as listener:
        exports = app.home / "cache" / "exports"
        plans = app.home / "cache" / "plans"
        for folder, name in ((exports, "transcripts-1.csv"), (plans, "plan-1.md")):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(SECRET_TEXT)
        maintainer = browser(app, "wang")
        files = {"files": ("notice.md", SECRET_TEXT.encode(), "text/markdown")}
        uploaded = maintainer.post(
            "/maintainer/gradio_api/upload", files=files, headers=csrf_headers(maintainer)
        )
        assert uploaded.status_code == 200, uploaded.text
        upload_path = uploaded.json()[0]
        assert Path(upload_path).read_text() == SECRET_TEXT
        yield [
            str(exports / "transcripts-1.csv"),
            str(plans / "plan-1.md"),
            str(app.home / "careercoach.sqlite3"),
            upload_path,
            "/etc/passwd",
            f"{listener.url}/steal",
        ]
        assert listener.hits == [], "the server fetched a URL on a visitor's behalf"


@pytest.mark.parametrize("who", [None, "li", "wang"], ids=["anonymous", "counselor", "maintainer"])
@pytest.mark.parametrize("prefix", ["", "/counselor", "/maintainer"])
def test_no_mounted_app_serves_files_to_anyone(
    app: App, leak_targets: list[str], who: str | None, prefix: str
) -> None:
    http = browser(app, who)
    for route in FILE_ROUTES:
        for target in leak_targets:
            answer = http.get(prefix + route.format(path=target))
            assert answer.status_code in (401, 403, 404), (who, prefix, route, target)
            assert SECRET_TEXT not in answer.text and "root:" not in answer.text


CLOSED = [
    ("GET", "/monitoring"),
    ("GET", "/monitoring/summary"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/gradio_api/openapi.json"),
    ("GET", "/gradio_api/info"),
    ("POST", "/gradio_api/upload"),
    ("POST", "/gradio_api/call/respond"),
    ("POST", "/gradio_api/run/respond"),
    ("GET", "/gradio_api/mcp/schema"),
    ("POST", "/gradio_api/vibe-edit"),
    ("GET", "/counselor/gradio_api/info"),
    ("GET", "/maintainer/openapi.json"),
    ("POST", "/counselor/gradio_api/upload"),
]


@pytest.mark.parametrize(("method", "path"), CLOSED)
def test_routes_graduates_do_not_need_are_closed(app: App, method: str, path: str) -> None:
    for who in (None, "wang"):
        answer = browser(app, who).request(method, path)
        assert answer.status_code in (404, 401), (who, path, answer.status_code)


def test_the_gradio_version_is_not_shown_and_api_docs_are_local(app: App) -> None:
    http = browser(app)
    page = http.get("/", headers=HTML).text
    assert "window.gradio_config" in page and '"version"' not in page.split("gradio_api_info")[0]
    assert "version" not in http.get("/config").json()
    docs = http.get("/api/docs")
    assert docs.status_code == 200 and "/api/chat" in docs.text
    assert "cdn" not in docs.text.lower() and "<script" not in docs.text
    assert "/api/chat" in http.get("/api/openapi.json").json()["paths"]


# --- headers --------------------------------------------------------------------------------
def test_every_page_carries_the_security_headers(app: App) -> None:
    anonymous, staff = browser(app), browser(app, "li")
    for http, path in (
        (anonymous, "/"),
        (anonymous, "/login"),
        (anonymous, "/api/health"),
        (staff, "/counselor/"),
    ):
        answer = http.get(path, headers=HTML)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        for directive in (
            "default-src 'self'",
            "form-action 'self'",
            "img-src 'self' data:",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ):
            assert directive in policy, (path, directive)
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        if "<script" in answer.text:  # every script carries this response's nonce
            nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
            scripts = re.findall(r"<script\b[^>]*>", answer.text)
            assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert staff.get("/counselor/", headers=HTML).headers["cache-control"] == "no-store"
    assert "/cc/csrf.js" in staff.get("/counselor/", headers=HTML).text


# --- exports ----------------------------------------------------------------------------------
def test_exports_stream_to_staff_only_and_leave_nothing_on_disk(app: App) -> None:
    asked = browser(app).post("/api/chat", json={"message": '=HYPERLINK("http://x.example","点")'})
    assert asked.status_code == 200
    before = {p for p in app.home.rglob("*") if p.is_file()}
    assert browser(app).get("/counselor/export?fmt=csv").status_code == 401
    for who in ("li", "wang"):
        answer = browser(app, who).get("/counselor/export?fmt=csv&text=HYPERLINK")
        assert answer.status_code == 200
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert answer.headers["cache-control"] == "no-store"
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
        assert [row["question"] for row in rows] == ['\'=HYPERLINK("http://x.example","点")']
    jsonl = browser(app, "li").get("/counselor/export?fmt=jsonl")
    assert jsonl.status_code == 200 and jsonl.text.count("\n") >= 1
    after = {p for p in app.home.rglob("*") if p.is_file()}
    assert {
        p for p in after - before if "export" in p.name or p.suffix in (".csv", ".jsonl")
    } == set()


# --- staff sessions: revocation ---------------------------------------------------------------
def _logged_in(http: httpx.Client) -> bool:
    return http.get("/counselor/config").status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(app: App) -> None:
    http = browser(app, "li")
    copied = browser(app)
    copied.cookies.set("cc_auth", http.cookies["cc_auth"])
    assert _logged_in(http) and _logged_in(copied)
    out = http.post("/logout", data={"csrf": http.cookies["cc_csrf"]}, headers={"origin": app.url})
    assert out.status_code == 303
    assert not _logged_in(copied)
    assert browser(app).get("/whoami").json() == {"name": None}


def test_removal_and_password_change_end_sessions_including_from_the_cli(app: App) -> None:
    app.store.add_user("sun", "counselor", PASSWORD)
    app.store.add_user("qian", "counselor", PASSWORD)
    sun, qian = browser(app, "sun"), browser(app, "qian")
    assert _logged_in(sun) and _logged_in(qian)
    env = {**os.environ, "CAREERCOACH_HOME": str(app.home)}
    command = [sys.executable, "-m", "bot", "users"]
    done = subprocess.run(
        [*command, "remove", "sun"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert not _logged_in(sun)
    changed = subprocess.run(
        [*command, "passwd", "qian", "--password-stdin"],
        input="another-long-password\n",
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert changed.returncode == 0, changed.stderr
    assert not _logged_in(qian)
    assert login(browser(app), "qian", "another-long-password").status_code == 303


# --- cookies --------------------------------------------------------------------------------
def _set_cookies(answer: httpx.Response) -> list[str]:
    return answer.headers.get_list("set-cookie")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app behind a trusted proxy on 127.0.0.1 (as with nginx on the same machine)."""
    yield from _serve(tmp_path_factory.mktemp("proxied"), trusted_proxies=["127.0.0.1"])


def test_cookies_are_secure_over_https_through_a_trusted_proxy_only(app: App, proxied: App) -> None:
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    direct = browser(app).get("/", headers=HTML)
    assert all("Secure" not in c for c in _set_cookies(direct))
    spoofed = browser(app, **https).get("/", headers=HTML)  # not trusted: headers ignored
    assert all("Secure" not in c for c in _set_cookies(spoofed))
    through_proxy = browser(proxied, **https)
    page = through_proxy.get("/", headers=HTML)
    assert _set_cookies(page) and all("Secure" in c for c in _set_cookies(page))
    # the client speaks plain HTTP to the "proxy", so it would not send Secure cookies back:
    # hand the form's cookie over as the browser behind HTTPS would
    form = through_proxy.get("/login")
    jar = dict(c.split(";", 1)[0].split("=", 1) for c in _set_cookies(form))
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    signed_in = through_proxy.post(
        "/login",
        data={"username": "li", "password": PASSWORD, "next": "", "csrf": token},
        headers={"cookie": f"cc_login={jar['cc_login']}"},
    )
    assert signed_in.status_code == 303, signed_in.text
    staff_cookies = [c for c in _set_cookies(signed_in) if c.startswith(("cc_auth=", "cc_csrf="))]
    assert len(staff_cookies) == 2 and all("Secure" in c for c in staff_cookies)
    assert all("HttpOnly" in c for c in staff_cookies if c.startswith("cc_auth="))


def test_secure_cookies_can_be_forced(tmp_path: Path) -> None:
    for served in _serve(tmp_path, cookie_secure="always"):
        assert all("Secure" in c for c in _set_cookies(browser(served).get("/", headers=HTML)))


# --- CSRF -------------------------------------------------------------------------------------
def test_login_needs_the_form_token_and_this_origin(app: App) -> None:
    http = browser(app)
    token = form_token(http)
    data = {"username": "li", "password": PASSWORD, "next": ""}
    assert http.post("/login", data=data).status_code == 403  # no token
    assert http.post("/login", data={**data, "csrf": "forged"}).status_code == 403
    other = browser(app)  # a token from another browser's form
    assert other.post("/login", data={**data, "csrf": token}).status_code == 403
    for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}):
        refused = http.post("/login", data={**data, "csrf": token}, headers=headers)
        assert refused.status_code == 403 and "cc_auth" not in http.cookies
    assert http.post("/login", data={**data, "csrf": token}).status_code == 303


def test_staff_actions_need_the_csrf_token_and_this_origin(app: App) -> None:
    http = browser(app, "li")
    good = csrf_headers(http)
    payload = {"data": ["", "", "", False, False, False, ""]}
    path = "/counselor/gradio_api/call/search"
    assert http.post(path, json=payload).status_code == 403
    assert http.post(path, json=payload, headers={"x-csrf-token": "forged"}).status_code == 403
    cross = {**good, "sec-fetch-site": "cross-site"}
    assert http.post(path, json=payload, headers=cross).status_code == 403
    evil = {"x-csrf-token": good["x-csrf-token"], "origin": "http://evil.example"}
    assert http.post(path, json=payload, headers=evil).status_code == 403
    assert http.post(path, json=payload, headers=good).status_code == 200


def test_logout_cannot_be_forced_from_another_site(app: App) -> None:
    http = browser(app, "li")
    page = http.get("/logout", headers={"sec-fetch-site": "cross-site"})
    assert page.status_code == 200 and 'name="csrf"' in page.text and _logged_in(http)
    assert http.post("/logout", data={"csrf": "forged"}).status_code == 403 and _logged_in(http)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert http.post("/logout", data={"csrf": token}).status_code == 303
    assert not _logged_in(http)


# --- throttling and the client address ----------------------------------------------------------
def test_failed_logins_slow_down_without_locking_out_and_are_listed(proxied: App) -> None:
    attacker = browser(proxied, **{"x-forwarded-for": "203.0.113.66"})
    answers = [login(attacker, "zhao", "wrong-password").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    throttled = login(attacker, "zhao", PASSWORD)
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert "秒后再试" in throttled.text
    real_user = browser(proxied, **{"x-forwarded-for": "198.51.100.7"})
    assert login(real_user, "zhao").status_code == 303  # another address is not locked out
    rows = failure_rows(proxied.services)  # type: ignore[arg-type]
    assert rows[0][:3] == ["zhao", "203.0.113.66", 3]


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(app: App) -> None:
    for n in range(3):
        spoofed = browser(app, **{"x-forwarded-for": f"192.0.2.{n}"})
        assert login(spoofed, "nobody-here", "wrong-password").status_code in (401, 429)
    clients = {row[1] for row in failure_rows(app.services) if row[0] == "nobody-here"}  # type: ignore[arg-type]
    assert clients == {"127.0.0.1"}


# --- body and upload limits --------------------------------------------------------------------
def test_request_bodies_above_the_limit_are_refused_without_echo(app: App) -> None:
    http = browser(app)
    big = b'{"message": "' + b"x" * 2_000_000 + b'"}'
    declared = http.post("/api/chat", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413 and len(declared.content) < 500

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(big), 65536):
            yield big[at : at + 65536]

    streamed = http.post(
        "/api/chat", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    wrong = http.post("/api/chat", json={"message": ["x" * 300_000], "lang": "fr" * 1000})
    assert wrong.status_code == 422 and len(wrong.content) < 2000
    assert "xxxxxxxxxx" not in wrong.text and "frfrfrfr" not in wrong.text
    fields = {item["field"] for item in wrong.json()["detail"]}
    assert fields == {"body.message", "body.lang"}


def test_anonymous_uploads_are_refused_and_store_nothing(app: App) -> None:
    temp = app.home / "tmp" / "gradio"
    before = {p for p in temp.rglob("*") if p.is_file()}
    files = {"files": ("big.bin", b"\0" * 3_000_000, "application/octet-stream")}
    for prefix in ("", "/counselor"):
        refused = browser(app).post(f"{prefix}/gradio_api/upload", files=files)
        assert refused.status_code in (401, 404, 413)
    assert {p for p in temp.rglob("*") if p.is_file()} == before


def test_maintainer_uploads_are_held_to_the_limits(tmp_path: Path) -> None:
    for served in _serve(tmp_path, max_file_mb=0.5, max_upload_mb=1.0):
        http = browser(served, "wang")
        headers = csrf_headers(http)
        one = {"files": ("a.md", b"#" * 700_000, "text/markdown")}
        too_big_file = http.post("/maintainer/gradio_api/upload", files=one, headers=headers)
        assert too_big_file.status_code == 413
        many = [("files", (f"{n}.md", b"#" * 400_000, "text/markdown")) for n in range(3)]
        too_big_request = http.post("/maintainer/gradio_api/upload", files=many, headers=headers)
        assert too_big_request.status_code == 413
        small = {"files": ("ok.md", b"# ok\n", "text/markdown")}
        assert (
            http.post("/maintainer/gradio_api/upload", files=small, headers=headers).status_code
            == 200
        )


# --- files under the home ---------------------------------------------------------------------
def test_the_home_and_its_database_are_private(app: App) -> None:
    assert stat.S_IMODE(app.home.stat().st_mode) == 0o700
    assert stat.S_IMODE((app.home / "careercoach.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((app.home / "tmp" / "gradio").stat().st_mode) == 0o700
    assert not (app.home / "session_secret").exists()  # the secret lives in the database
