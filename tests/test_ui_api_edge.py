"""The REST API's edge on SQLite and on a real PostgreSQL: text PostgreSQL refuses (NUL, lone
surrogates) and numbers it cannot hold (a turn_id of 2^70) are cleaned or refused with a 422,
never a 500, and the connection keeps working for the next request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from bot.settings import Settings
from bot.store import Store
from tests.http_app import running_app
from tests.ui_fakes import make_services
from ui.app import build_app


@dataclass
class Api:
    http: httpx.Client
    store: Store


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One app per database for the module (building the pages takes seconds)."""
    home = tmp_path_factory.mktemp("edge") / "home"
    server = request.getfixturevalue("postgres_server") if request.param == "postgres" else None
    url = server.new_database() if server else f"sqlite:///{home.parent / 'edge.sqlite3'}"
    settings = Settings(home=home, database_url=url)
    services, _coach, _kb, store = make_services(settings)
    with (
        running_app(build_app(settings, services)) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        yield Api(http, store)
    store.close()
    if server:
        server.drop_database(url)


def _raw(api: Api, path: str, body: str) -> httpx.Response:
    return api.http.post(path, content=body.encode(), headers={"content-type": "application/json"})


def test_nul_and_lone_surrogates_are_cleaned_and_stored(api: Api) -> None:
    answer = _raw(api, "/api/chat", '{"message": "补贴\\u0000申请\\ud800？"}')
    assert answer.status_code == 200, answer.text
    body = answer.json()
    turn = api.store.conversation_for_session(body["session_id"]).turns[0]
    assert turn.question == "补贴申请\ufffd？"
    rated = _raw(
        api,
        "/api/feedback",
        json.dumps({"session_id": body["session_id"], "turn_id": body["turn_id"], "rating": -1})[
            :-1
        ]
        + ', "comment": "差\\u0000评\\udfff"}',
    )
    assert rated.status_code == 200, rated.text
    again = api.http.post("/api/chat", json={"message": "连接还能用吗？"})  # same connection
    assert again.status_code == 200


@pytest.mark.parametrize("turn_id", [2**70, 2**31, -1, 0, "12"])
def test_turn_ids_the_database_cannot_hold_are_a_clear_422(api: Api, turn_id: object) -> None:
    sid = api.http.post("/api/chat", json={"message": "你好"}).json()["session_id"]
    answer = api.http.post(
        "/api/feedback", json={"session_id": sid, "turn_id": turn_id, "rating": 1}
    )
    if turn_id == "12":  # a number in a string is read as the number: a turn of no one
        assert answer.status_code == 404
    else:
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["field"] == "body.turn_id"
        assert str(turn_id) not in answer.text
    assert api.http.get("/api/health").status_code == 200  # the connection is still fine


def test_a_session_id_with_nul_or_garbage_gets_a_new_server_id(api: Api) -> None:
    for chosen in ("aaaaaaaaaaaaaaaa\\u0000", "\\ud800" * 20, "../../etc/passwd-0000000"):
        answer = _raw(api, "/api/chat", f'{{"message": "你好", "session_id": "{chosen}"}}')
        assert answer.status_code == 200, answer.text
        assert answer.json()["session_id"] != json.loads(f'"{chosen}"')
