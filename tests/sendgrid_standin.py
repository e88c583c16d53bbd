"""A stand-in for SendGrid's v3 mail API on 127.0.0.1, scripted answer by answer.

Each answer is one of: "ok" (202 with an X-Message-Id), "slow:<seconds>" (then 202),
"500", "429" (with Retry-After: 120), "400". Once the script is used up, it answers "ok".
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SendGridStandIn:
    def __init__(self, answers: list[str] | None = None):
        self.answers = list(answers or [])
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def keys_received(self) -> list[str]:
        return [request["headers"].get("Idempotency-Key") for request in self.requests]

    def _next_answer(self) -> str:
        with self._lock:
            return self.answers.pop(0) if self.answers else "ok"

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = standin._next_answer()
                with standin._lock:
                    standin.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                    )
                if answer.startswith("slow:"):
                    time.sleep(float(answer.split(":")[1]))
                    answer = "ok"
                if answer == "ok":
                    self.send_response(202)
                    self.send_header("X-Message-Id", f"sg-{len(standin.requests)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(int(answer))
                if answer == "429":
                    self.send_header("Retry-After", "120")
                payload = b'{"errors": [{"message": "stand-in error"}]}'
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args):
                pass

        return Handler
