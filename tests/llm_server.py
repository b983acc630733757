"""A scripted OpenAI-compatible chat server on 127.0.0.1, for testing the real client code.

Tests queue replies (text, HTTP status, delay) and the server hands them out in order to
``POST /v1/chat/completions``, streaming server-sent-event chunks when the request asks for a
stream, and records every request body. Nothing is generated: a request with no reply queued
gets a 500 that names the problem. ``GET /v1/models`` lists ``server.models``;
``POST /v1/embeddings`` returns, for each input, a fixed vector of ``embedding_dim`` numbers
derived from the text's hash (or ``embedding_status`` when that is not 200).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted reply: ``text`` (cut into ``chunks`` when streaming), or an error status."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering
    chunks: list[str] | None = None  # stream pieces; default: 3 characters each
    chunk_delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class ScriptedLLMServer:
    """Start with ``with ScriptedLLMServer() as server:``; ``server.url`` is the base URL."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.models: list[str] = ["scripted-chat"]
        self.embedding_dim = 8
        self.embedding_status = 200
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def enqueue(self, *replies: Reply | str) -> None:
        with self._lock:
            for reply in replies:
                self.replies.append(Reply(text=reply) if isinstance(reply, str) else reply)

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            self.requests.append(body)
            return self.replies.popleft() if self.replies else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_GET(self) -> None:
                if not self.path.endswith("/models"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                listed = [
                    {"id": m, "object": "model", "owned_by": "scripted"} for m in server.models
                ]
                self._json(200, {"object": "list", "data": listed})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.endswith("/embeddings"):
                    self._embeddings(body)
                    return
                if not self.path.endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = server._next(body)
                if reply is None:
                    self._json(500, {"error": {"message": "no scripted reply queued"}})
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    message = {401: "Incorrect API key provided", 429: "Rate limit reached"}
                    error = {
                        "message": message.get(reply.status, "scripted error"),
                        "type": "scripted",
                        "code": str(reply.status),
                    }
                    headers = {"retry-after-ms": "10", **reply.headers}
                    self._json(reply.status, {"error": error}, headers)
                    return
                if body.get("stream"):
                    self._stream(body, reply)
                else:
                    self._json(200, _completion(body, reply.text))

            def _embeddings(self, body: dict[str, Any]) -> None:
                with server._lock:
                    server.requests.append(body)
                if server.embedding_status != 200:
                    error = {"message": "scripted error", "code": str(server.embedding_status)}
                    self._json(server.embedding_status, {"error": error})
                    return
                texts = body.get("input") or []
                texts = [texts] if isinstance(texts, str) else texts
                data = [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": _vector(t, server.embedding_dim),
                    }
                    for i, t in enumerate(texts)
                ]
                self._json(200, {"object": "list", "data": data, "model": body.get("model")})

            def _json(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = reply.chunks or [
                    reply.text[i : i + 3] for i in range(0, len(reply.text), 3)
                ]
                model = body.get("model", "scripted")
                for piece in pieces:
                    self._event(_chunk(model, {"content": piece}, None))
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                self._event(_chunk(model, {}, "stop"))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

        return Handler


def _vector(text: object, dim: int) -> list[float]:
    digest = hashlib.sha256(str(text).encode()).digest()
    return [round(digest[i % len(digest)] / 255 - 0.5, 4) for i in range(dim)]


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "scripted"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
