"""A department's webhook receiver for the tests: every delivery is checked with the Standard
Webhooks reference library from PyPI (`standardwebhooks`), not with kiosk's own code.

    receiver.py --secret whsec_...   prints the port it listens on (loopback), then serves:
    POST /hooks       a delivery: verified, then answered as the mode says (204 when verified
                      and the mode is "ok"; 400 when the signature does not verify)
    POST /mode        {"mode": "ok" | "fail" | "hang"}: answer 503, or not at all for 30 s
    GET  /deliveries  {"verified": [{"id", "type", "reference", "change"}], "rejected": n,
                       "attempts": [ids seen, in order, whatever the answer]}
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

state = {"mode": "ok", "verified": [], "rejected": 0, "attempts": []}
lock = threading.Lock()


def handler(secret):
    webhook = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body=b""):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if body:
                self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with lock:
                self.answer(200, json.dumps(state).encode())

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/mode":
                with lock:
                    state["mode"] = json.loads(body)["mode"]
                return self.answer(204)
            with lock:
                mode = state["mode"]
                state["attempts"].append(self.headers.get("webhook-id"))
            if mode == "hang":
                time.sleep(30)  # a department that never answers: the sender's timeout is under test
                return
            try:
                payload = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                with lock:
                    state["rejected"] += 1
                return self.answer(400)
            if mode == "fail":
                return self.answer(503)
            with lock:
                state["verified"].append({
                    "id": self.headers["webhook-id"], "type": payload["type"],
                    "reference": payload["data"]["record"]["reference"], "change": payload["data"]["change"],
                    "hasAnswers": payload["data"].get("filing") is not None and "answers" in payload["data"]["filing"],
                })
            self.answer(204)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", required=True)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(arguments.secret))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
