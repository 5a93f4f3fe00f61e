"""A fake Stripe API on 127.0.0.1 for the real `stripe` client and dj-stripe.

It records every request with its form-encoded body, creates and stores Checkout Sessions,
answers the reads dj-stripe makes while processing a webhook (the account, a session), and
builds signed `checkout.session.completed` events the way Stripe delivers them:

    session = fake_stripe.sessions["cs_test_0001"]
    body, signature = fake_stripe.completed_event(session["id"], secret="whsec_...")
"""

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_ID = "acct_fake0000000001"
_SESSION = re.compile(r"^/v1/checkout/sessions/([^/]+)$")


@dataclass
class StripeRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw_body: str
    form: dict[str, str]  # the form-encoded body, flattened: "metadata[credits]" -> "200"


@dataclass
class FakeStripe:
    requests: list[StripeRequest] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> "FakeStripe":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def requests_to(self, method: str, path: str) -> list[StripeRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- sessions -------------------------------------------------------------------------
    def create_session(self, form: dict[str, str]) -> dict:
        with self._lock:
            session_id = f"cs_test_{next(self._ids):04d}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "livemode": False,
            "created": int(time.time()),
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "currency": form.get("line_items[0][price_data][currency]"),
            "amount_subtotal": int(form.get("line_items[0][price_data][unit_amount]", 0)),
            "amount_total": int(form.get("line_items[0][price_data][unit_amount]", 0)),
            "client_reference_id": form.get("client_reference_id"),
            "customer": None,
            "payment_intent": None,
            "setup_intent": None,
            "subscription": None,
            "metadata": _nested(form, "metadata"),
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def completed_event(
        self,
        session_id: str,
        *,
        secret: str,
        event_id: str = "",
        paid: bool = True,
        event_type: str = "checkout.session.completed",
    ) -> tuple[str, str]:
        """The body and Stripe-Signature header of a delivery saying the session completed
        (or, with event_type, that its delayed payment succeeded)."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid" if paid else "unpaid", url=None)
        event = {
            "id": event_id or f"evt_{event_type}_{session_id}",
            "object": "event",
            "api_version": "2026-05-27.dahlia",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": dict(session)},
        }
        body = json.dumps(event)
        return body, sign(body, secret=secret)


def sign(body: str, *, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header, computed as Stripe documents it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _nested(form: dict[str, str], name: str) -> dict[str, str]:
    prefix = f"{name}["
    return {key[len(prefix) : -1]: value for key, value in form.items() if key.startswith(prefix)}


def _account() -> dict:
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "type": "standard",
        "country": "US",
        "default_currency": "usd",
        "email": "owner@cutflow.test",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "business_profile": {"name": "Cutflow test"},
        "settings": {"dashboard": {"display_name": "Cutflow test"}},
        "metadata": {},
        "created": 1700000000,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake: FakeStripe = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        path = self.path.split("?", 1)[0]
        request = StripeRequest(
            method=self.command,
            path=path,
            headers={name.lower(): value for name, value in self.headers.items()},
            raw_body=raw,
            form=dict(parse_qsl(raw, keep_blank_values=True)),
        )
        with fake._lock:
            fake.requests.append(request)
        if self.command == "POST" and path == "/v1/checkout/sessions":
            self._send(200, fake.create_session(request.form))
        elif self.command == "GET" and (match := _SESSION.match(path)):
            session = fake.sessions.get(match[1])
            if session is None:
                self._send(404, _error(f"No such checkout.session: '{match[1]}'"))
            else:
                self._send(200, session)
        elif self.command == "GET" and path == "/v1/account":
            self._send(200, _account())
        else:
            self._send(404, _error(f"fake Stripe has no route {self.command} {path}"))

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_fake")
        self.end_headers()
        self.wfile.write(data)


def _error(message: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": message}}
