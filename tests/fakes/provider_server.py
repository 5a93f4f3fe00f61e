"""A fake image provider on 127.0.0.1 that speaks Replicate's and Gemini's HTTP APIs.

The real SDKs talk to it through `REPLICATE_BASE_URL` and `GEMINI_BASE_URL`. It records every
request, counts how many generation calls are in flight at once, answers with real PNGs at the
requested aspect ratio after `latency` seconds per image, and plays scripted faults:

    server.fail_next(2, "rate_limit")   # the next two generation calls get 429

It also stands in for the prompt writer: a generateContent call asking for JSON gets a shot
whose prompt retells the script, after `prompt_latency` seconds.
Every request is checked against the saved contracts (tests/contracts): an unknown model gets
the host's 404, an input its schema refuses Replicate's 422 or Gemini's 400 body.

Fault kinds: rate_limit (429 with Retry-After), server_error (500), moderation (Replicate: a
failed prediction with an NSFW error; Gemini: finish reason SAFETY), malformed (a body that is
not JSON), timeout (no answer for `hang_seconds`), lost_create (Replicate: the prediction
starts, but the create's answer is held for `hang_seconds`), reset (the connection closes halfway
through the image: Replicate's file download, Gemini's response body).

Replicate's prediction list (GET /v1/predictions) pages like the host's: 100 per page, newest
first, `next` the URL of the following page (an opaque `cursor`). `add_account_predictions`
fills it with other clients' work on the account, and `predictions_during_lost_create` starts
that many of them while a lost create's answer is held (a busy account).
"""

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.contracts import (
    gemini_contract,
    gemini_not_found,
    gemini_rejection,
    replicate_contract,
    replicate_model_contract,
    replicate_rejection,
)
from tests.fakes.images import png_image, size_for_aspect_ratio, size_for_ratio
from tests.fakes.videos import mp4_clip, requested_seconds

LIST_PAGE_SIZE = 100  # Replicate's page of predictions

REPLICATE_MODERATION_ERROR = (
    "NSFW content detected: the input or output was flagged as sensitive. (E005)"
)
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "moderation",
    "malformed",
    "timeout",
    "lost_create",
    "reset",
    # Replicate: a failed prediction with this error text; Gemini: a candidate without image.
    "moderated",
    "no_face",
    "no_image",
    "image_other",
    "text_refusal",
    "text_only",
)
REPLICATE_FAILURES = {
    "moderation": REPLICATE_MODERATION_ERROR,
    "moderated": "The output was moderated by the model's safety filter.",
    "no_face": "Traceback (most recent call last): ... IndexError: list index out of range",
}
GEMINI_IMAGELESS = {
    "no_image": ("NO_IMAGE", ""),
    "image_other": ("IMAGE_OTHER", ""),
    "text_refusal": ("STOP", "I can't make that image: it goes against my content policy."),
    "text_only": ("STOP", "Here is a cosy cafe scene with two friends sharing coffee."),
}

_MODEL_PREDICTIONS = re.compile(r"^/v1/models/([^/]+)/([^/]+)/predictions$")
_VERSION_PREDICTIONS = re.compile(r"^/v1/predictions$")
_PREDICTION = re.compile(r"^/v1/predictions/([^/]+)$")
_CANCEL = re.compile(r"^/v1/predictions/([^/]+)/cancel$")
_VERSION = re.compile(r"^/v1/models/([^/]+)/([^/]+)/versions/([^/]+)$")
_MODEL = re.compile(r"^/v1/models/([^/]+)/([^/]+)$")
_GEMINI_MODEL = re.compile(r"^/(v1|v1beta)/models/([^/:]+)$")
_FILE = re.compile(r"^/files/([^/]+)$")
_UPLOADS = re.compile(r"^/v1/files$")
_UPLOAD = re.compile(r"^/v1/files/([^/]+)$")
_GENERATE_CONTENT = re.compile(r"^/(v1|v1beta|v1alpha)/models/([^/:]+):generateContent$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None
    started_at: float
    # The first byte of the answer (or the hang-up of a call never answered): from here on the
    # client may finish, and free its slot, before this handler's thread runs again.
    answered_at: float | None = None
    finished_at: float | None = None
    fault: str = ""
    generation: bool = False  # a Replicate prediction create or a Gemini generateContent
    raw: bytes = b""
    served_image: bytes | None = None  # the final image this request answered with
    prompt: bool = False  # a prompt writer call (Gemini text, JSON answer)
    query: str = ""  # the URL's query string, e.g. a list page's "cursor=…"


@dataclass
class Upload:
    id: str
    name: str
    content_type: str
    data: bytes

    def as_json(self, api_root: str) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.data),
            "etag": self.id,
            "checksums": {"sha256": hashlib.sha256(self.data).hexdigest()},
            "metadata": {},
            "created_at": "2026-12-06T00:00:00Z",
            "expires_at": "2099-12-31T00:00:00Z",
            "urls": {"get": f"{api_root}/files/{self.id}"},
        }


@dataclass
class _Prediction:
    id: str
    model: str
    version: str
    input: dict
    status: str
    ready_at: float
    as_list: bool
    error: str | None = None
    reset_download: bool = False
    image: bytes = b""  # the output file: an image, or a video for an image-to-video model
    extension: str = "png"
    content_type: str = "image/png"
    created_at: str = ""
    sequence: int = 0  # orders predictions created in the same microsecond


@dataclass
class FakeProviderServer:
    latency: float = 0.0  # seconds per image
    prompt_latency: float = 0.0  # seconds per written prompt
    hang_seconds: float = 5.0  # how long a "timeout" fault keeps the client waiting
    retry_after_seconds: int = 1
    include_thought_image: bool = False  # Gemini 3 style: a thought image before the answer
    output_megapixels: float = 0.0  # 0: small 256 px images; else images of about this size
    # Replicate may answer a "Prefer: wait" request before the prediction is done.
    max_prefer_wait: float | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    max_in_flight: int = 0  # generation calls only, each from its arrival to its answer
    uploads: dict[str, Upload] = field(default_factory=dict)  # Replicate Files API, by id
    # For check_providers --live: a Replicate model's live Input schema, and retired ids.
    live_schemas: dict[str, dict] = field(default_factory=dict)
    retired: set[str] = field(default_factory=set)
    # Replicate answers with these images, in order, before falling back to drawn ones.
    images_to_serve: deque = field(default_factory=deque)
    # Video models answer with these files, in order, before falling back to real MP4 clips
    # of the requested length.
    videos_to_serve: deque = field(default_factory=deque)
    # Other clients of the account start this many predictions while a lost create is held.
    predictions_during_lost_create: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._faults: deque[str] = deque()
        self._poll_rate_limits = 0
        self._text_answers: deque[str | int] = deque()  # an int: that HTTP error
        self._predictions: dict[str, _Prediction] = {}
        self._account_predictions: list[_Prediction] = []  # other clients', listed only
        self._sequence = itertools.count(1)
        self._ids = itertools.count(1)
        # Ids unique across servers, as the host's are: the client remembers ids it has seen.
        self._id_token = secrets.token_hex(3)
        self._stopping = threading.Event()
        self._gate: threading.Barrier | None = None
        self._gate_remaining = 0
        self._httpd: ThreadingHTTPServer | None = None

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> "FakeProviderServer":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.fake = self  # type: ignore[attr-defined]
        thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._gate is not None:
            self._gate.abort()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def replicate_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def gemini_base_url(self) -> str:
        return self.url

    # --- scripting --------------------------------------------------------------------------
    def answer_text(self, text: str) -> None:
        """The next call to a Gemini text model (the prompt writer, the script breakdown) gets
        this answer instead of a prompt made from the script."""
        with self._lock:
            self._text_answers.append(text)

    def fail_next_text(self, status: int) -> None:
        """The next call to a Gemini text model gets this HTTP error, in Gemini's error body."""
        with self._lock:
            self._text_answers.append(status)

    def fail_next(self, n: int = 1, kind: str = "rate_limit") -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {FAULT_KINDS}")
        with self._lock:
            self._faults.extend([kind] * n)

    def rate_limit_polls(self, n: int) -> None:
        """The next n Replicate prediction reads (GET by id) get 429, which the `replicate`
        client retries by itself."""
        with self._lock:
            self._poll_rate_limits += n

    def add_account_predictions(self, n: int, *, seconds_ago: float = 0.0) -> None:
        """n predictions other clients of the account started ``seconds_ago``: the list shows
        them among ours, and none matches a request of ours."""
        created_at = _timestamp(datetime.now(UTC) - timedelta(seconds=seconds_ago))
        with self._lock:
            for _ in range(n):
                self._account_predictions.append(
                    _Prediction(
                        id=self._new_id("other"),
                        model="someone/another-model",
                        version="",
                        input={"prompt": "another client's picture"},
                        status="succeeded",
                        ready_at=0.0,
                        as_list=False,
                        created_at=created_at,
                        sequence=next(self._sequence),
                    )
                )

    def expect_concurrent(self, n: int, *, timeout: float = 10.0) -> None:
        """Hold the next n generation calls until all n have arrived (or timeout passes).

        Calls made one after another never meet, so `max_in_flight` then stays below n.
        """
        with self._lock:
            self._gate = threading.Barrier(n, timeout=timeout)
            self._gate_remaining = n

    # --- what happened ----------------------------------------------------------------------
    @property
    def generation_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.generation]

    @property
    def prompt_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.prompt]

    def replicate_inputs(self) -> list[dict]:
        return [r.body["input"] for r in self.generation_requests if "input" in (r.body or {})]

    def gemini_bodies(self) -> list[dict]:
        return [r.body for r in self.generation_requests if "contents" in (r.body or {})]

    @property
    def predictions_listed(self) -> list[RecordedRequest]:
        """Every read of a page of Replicate's prediction list."""
        return [r for r in self.requests if r.method == "GET" and r.path == "/v1/predictions"]

    @property
    def prediction_ids(self) -> list[str]:
        """Every prediction started, oldest first."""
        return list(self._predictions)

    def prediction_status(self, prediction_id: str) -> str:
        return self._predictions[prediction_id].status

    def excess_over(self, cap: int) -> "CapExcess":
        """How far the generation calls so far went over ``cap`` calls in flight at once."""
        return cap_excess(
            [(r.started_at, r.answered_at) for r in self.generation_requests], cap=cap
        )

    # --- used by the handler ----------------------------------------------------------------
    def _begin(self, record: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(record)
            if record.generation:
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _answer(self, record: RecordedRequest) -> None:
        with self._lock:
            if record.answered_at is not None:
                return
            record.answered_at = time.monotonic()
            if record.generation:
                self._in_flight -= 1

    def _end(self, record: RecordedRequest) -> None:
        self._answer(record)
        with self._lock:
            record.finished_at = time.monotonic()

    def _next_image(self) -> bytes:
        with self._lock:
            return self.images_to_serve.popleft() if self.images_to_serve else b""

    def _next_video(self, inputs: dict) -> bytes:
        with self._lock:
            if self.videos_to_serve:
                return self.videos_to_serve.popleft()
        return mp4_clip(requested_seconds(inputs))

    def _next_fault(self) -> str:
        with self._lock:
            return self._faults.popleft() if self._faults else ""

    def _pass_gate(self) -> None:
        with self._lock:
            gate = self._gate if self._gate_remaining > 0 else None
            self._gate_remaining -= 1
        if gate is not None:
            # A broken gate means the calls did not overlap; max_in_flight tells the test so.
            with suppress(threading.BrokenBarrierError):
                gate.wait()

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{self._id_token}{next(self._ids):04d}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm on, each such answer
    # waited out the client's delayed ACK (about 40 ms), a cost no real provider adds.
    disable_nagle_algorithm = True
    server_version = "FakeProvider/1.0"

    @property
    def fake(self) -> FakeProviderServer:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        record = self._record()
        self._current = record
        self.fake._begin(record)
        try:
            self._route(record)
        finally:
            self.fake._end(record)

    def _record(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = self.path.partition("?")
        prompt = self.command == "POST" and bool(_GENERATE_CONTENT.match(path))
        prompt = prompt and _asks_for_json(body)
        return RecordedRequest(
            method=self.command,
            path=path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            started_at=time.monotonic(),
            generation=self.command == "POST" and _is_generation(path) and not prompt,
            prompt=prompt,
            raw=raw,
            query=query,
        )

    def _route(self, record: RecordedRequest) -> None:
        path, method = record.path, record.method
        if method == "POST" and (match := _MODEL_PREDICTIONS.match(path)):
            self._create_prediction(record, model=f"{match[1]}/{match[2]}", version="")
        elif method == "POST" and _VERSION_PREDICTIONS.match(path):
            self._create_prediction(record, model="", version=record.body.get("version", ""))
        elif method == "GET" and _VERSION_PREDICTIONS.match(path):
            self._list_predictions(record.query)
        elif method == "GET" and (match := _PREDICTION.match(path)):
            self._show_prediction(match[1])
        elif method == "POST" and (match := _CANCEL.match(path)):
            self._cancel_prediction(match[1])
        elif method == "GET" and (match := _VERSION.match(path)):
            self._send_json(200, self._version_json(match[3], model=f"{match[1]}/{match[2]}"))
        elif method == "GET" and (match := _MODEL.match(path)):
            self._send_model(f"{match[1]}/{match[2]}")
        elif method == "GET" and (match := _GEMINI_MODEL.match(path)):
            self._send_gemini_model(match[2], api_version=match[1])
        elif method == "POST" and _UPLOADS.match(path):
            self._create_upload(record)
        elif method == "GET" and (match := _UPLOAD.match(path)):
            self._send_upload(match[1])
        elif method == "GET" and (match := _FILE.match(path)):
            self._send_file(match[1])
        elif method == "POST" and (match := _GENERATE_CONTENT.match(path)):
            self._generate_content(record, model=match[2], api_version=match[1])
        else:
            self._send_json(404, {"detail": f"fake provider has no route {method} {path}"})

    # --- Replicate --------------------------------------------------------------------------
    def _create_prediction(self, record: RecordedRequest, *, model: str, version: str) -> None:
        inputs = record.body.get("input", {})
        contract = replicate_contract(model=model, version=version)
        if contract is None:
            self._send_json(404, {"title": "Not found", "detail": "Not found.", "status": 404})
            return
        if rejection := replicate_rejection(contract, inputs):
            self._send_json(422, rejection)
            return
        record.fault = fault = self.fake._next_fault()
        self.fake._pass_gate()
        if self._replied_with_fault(fault, replicate=True):
            return
        prediction = _Prediction(
            id=self.fake._new_id("pred"),
            model=model,
            version=version,
            input=inputs,
            status="starting",
            ready_at=time.monotonic() + self.fake.latency,
            as_list=bool(version),  # version-pinned community models return a list here
            reset_download=fault == "reset",
        )
        if contract.output == "video":
            prediction.image = self.fake._next_video(inputs)
            prediction.extension, prediction.content_type = "mp4", "video/mp4"
        else:
            prediction.image = self.fake._next_image() or png_image(
                _scaled(_replicate_size(inputs), self.fake.output_megapixels),
                seed=inputs.get("seed"),
            )
        if fault in REPLICATE_FAILURES:
            prediction.status, prediction.error = "failed", REPLICATE_FAILURES[fault]
        record.served_image = prediction.image
        prediction.created_at = _timestamp(datetime.now(UTC))
        prediction.sequence = next(self.fake._sequence)
        self.fake._predictions[prediction.id] = prediction
        if fault == "lost_create":  # started, but the answer comes too late for the client
            self.fake.add_account_predictions(self.fake.predictions_during_lost_create)
            self.fake._pause(self.fake.hang_seconds)
            self.close_connection = True
            return
        wait = _prefer_wait_seconds(record.headers.get("prefer", ""))
        if wait is not None and prediction.status == "starting":
            if self.fake.max_prefer_wait is not None:
                wait = min(wait, self.fake.max_prefer_wait)
            # Held from the create's arrival, as Replicate holds it: drawing the image above is
            # the model's own work, inside its latency, not time added after it.
            arrived_at = prediction.ready_at - self.fake.latency
            answer_at = min(prediction.ready_at, arrived_at + wait)
            self.fake._pause(max(0.0, answer_at - time.monotonic()))
        self._send_json(201, self._prediction_json(prediction))

    def _show_prediction(self, prediction_id: str) -> None:
        with self.fake._lock:
            limited = self.fake._poll_rate_limits > 0
            self.fake._poll_rate_limits -= int(limited)
        if limited:
            self._current.fault = "rate_limit"
            self._send_rate_limited(replicate=True)
            return
        prediction = self.fake._predictions.get(prediction_id)
        if prediction is None:
            self._send_json(404, {"detail": "Not found."})
            return
        self._send_json(200, self._prediction_json(prediction))

    def _list_predictions(self, query: str) -> None:
        """GET /v1/predictions: a page of the account's predictions, newest first, with their
        input; `next` names the page after it (its cursor: where this page ended)."""
        with self.fake._lock:
            listed = [*self.fake._predictions.values(), *self.fake._account_predictions]
        newest_first = sorted(listed, key=_list_position, reverse=True)
        if cursor := parse_qs(query).get("cursor"):
            ended_at = tuple(json.loads(base64.urlsafe_b64decode(cursor[0])))
            newest_first = [p for p in newest_first if _list_position(p) < ended_at]
        page = newest_first[:LIST_PAGE_SIZE]
        next_url = None
        if len(newest_first) > LIST_PAGE_SIZE:
            cursor = base64.urlsafe_b64encode(json.dumps(_list_position(page[-1])).encode())
            next_url = f"{self.fake.replicate_base_url}/predictions?cursor={cursor.decode()}"
        results = [self._prediction_json(prediction) for prediction in page]
        self._send_json(200, {"next": next_url, "previous": None, "results": results})

    def _cancel_prediction(self, prediction_id: str) -> None:
        prediction = self.fake._predictions[prediction_id]
        if prediction.status in ("starting", "processing"):
            prediction.status = "canceled"
        self._send_json(200, self._prediction_json(prediction))

    def _prediction_json(self, prediction: _Prediction) -> dict:
        if prediction.status == "starting" and time.monotonic() >= prediction.ready_at:
            prediction.status = "succeeded"
        file_url = f"{self.fake.url}/files/{prediction.id}.{prediction.extension}"
        output = None
        if prediction.status == "succeeded":
            output = [file_url] if prediction.as_list else file_url
        return {
            "id": prediction.id,
            "model": prediction.model,
            "version": prediction.version or "hidden",
            "status": prediction.status,
            "input": prediction.input,
            "output": output,
            "error": prediction.error,
            "logs": "",
            "metrics": {},
            "created_at": prediction.created_at,
            "urls": {
                "get": f"{self.fake.replicate_base_url}/predictions/{prediction.id}",
                "cancel": f"{self.fake.replicate_base_url}/predictions/{prediction.id}/cancel",
            },
        }

    def _create_upload(self, record: RecordedRequest) -> None:
        """Replicate's Files API: a multipart `content` part in, a file object out."""
        content_type = record.headers.get("content-type", "")
        message = BytesParser(policy=default_policy).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + record.raw
        )
        part = next(
            p
            for p in message.iter_parts()
            if p.get_param("name", header="content-disposition") == "content"
        )
        upload = Upload(
            id=self.fake._new_id("file"),
            name=part.get_filename() or "file",
            content_type=part.get_content_type(),
            data=part.get_payload(decode=True),
        )
        self.fake.uploads[upload.id] = upload
        self._send_json(201, upload.as_json(self.fake.replicate_base_url))

    def _send_upload(self, file_id: str) -> None:
        upload = self.fake.uploads.get(file_id)
        if upload is None:
            self._send_json(404, {"detail": "Not found."})
            return
        self._send_bytes(200, upload.data, upload.content_type)

    def _send_file(self, name: str) -> None:
        prediction = self.fake._predictions.get(name.rsplit(".", 1)[0])
        if prediction is None:
            self._send_json(404, {"detail": "Not found."})
            return
        self._send_bytes(
            200, prediction.image, prediction.content_type, cut=prediction.reset_download
        )

    def _version_json(self, version_id: str, *, model: str) -> dict:
        output = {"type": "array", "items": {"type": "string", "format": "uri"}}
        contract = replicate_model_contract(model)
        schemas = {"Output": output}
        if contract is not None:
            schemas["Input"] = self.fake.live_schemas.get(model, contract.schema)
        return {
            "id": version_id,
            "created_at": "2025-01-01T00:00:00Z",
            "cog_version": "0.9.0",
            "openapi_schema": {"components": {"schemas": schemas}},
        }

    def _send_model(self, model: str) -> None:
        """GET /v1/models/{owner}/{name}: the model and its latest version's schema."""
        if replicate_model_contract(model) is None or model in self.fake.retired:
            self._send_json(404, {"title": "Not found", "detail": "Not found.", "status": 404})
            return
        owner, name = model.split("/")
        self._send_json(
            200,
            {
                "url": f"https://replicate.com/{model}",
                "owner": owner,
                "name": name,
                "description": "",
                "visibility": "public",
                "github_url": None,
                "paper_url": None,
                "license_url": None,
                "run_count": 1,
                "cover_image_url": None,
                "default_example": None,
                "latest_version": self._version_json("latest", model=model),
            },
        )

    def _send_gemini_model(self, model: str, *, api_version: str) -> None:
        if gemini_contract(model=model, api_version=api_version) is None or (
            model in self.fake.retired
        ):
            self._send_json(404, gemini_not_found(model, api_version))
            return
        self._send_json(200, {"name": f"models/{model}", "displayName": model, "version": "1"})

    # --- Gemini -----------------------------------------------------------------------------
    def _generate_content(self, record: RecordedRequest, *, model: str, api_version: str) -> None:
        contract = gemini_contract(model=model, api_version=api_version)
        if contract is None:
            self._send_json(404, gemini_not_found(model, api_version))
            return
        if rejection := gemini_rejection(contract, record.body):
            self._send_json(400, rejection)
            return
        if contract.name == "gemini-text":  # the prompt writer or the script breakdown
            self._write_prompt(record, model=model)
            return
        record.fault = fault = self.fake._next_fault()
        self.fake._pass_gate()
        if self._replied_with_fault(fault, replicate=False):
            return
        response_id = self.fake._new_id("gemini-")
        if fault == "moderation":
            candidate = {"finishReason": "SAFETY", "index": 0}
            self._send_json(200, {"candidates": [candidate], "responseId": response_id})
            return
        if fault in GEMINI_IMAGELESS:
            reason, text = GEMINI_IMAGELESS[fault]
            candidate = {"finishReason": reason, "index": 0}
            if text:
                candidate["content"] = {"role": "model", "parts": [{"text": text}]}
            self._send_json(200, {"candidates": [candidate], "responseId": response_id})
            return
        self.fake._pause(self.fake.latency)
        config = record.body.get("generationConfig", {})
        aspect_ratio = config.get("imageConfig", {}).get("aspectRatio", "1:1")
        record.served_image = png_image(
            size_for_aspect_ratio(aspect_ratio), seed=config.get("seed")
        )
        body = json.dumps(
            _gemini_answer(record.served_image, model, response_id, self.fake.include_thought_image)
        ).encode()
        self._send_bytes(200, body, "application/json", cut=fault == "reset")

    def _write_prompt(self, record: RecordedRequest, *, model: str) -> None:
        response_id = self.fake._new_id("p-")
        with self.fake._lock:
            queued = self.fake._text_answers.popleft() if self.fake._text_answers else None
        if isinstance(queued, int):  # a test scripted an error (fail_next_text)
            error = {"code": queued, "message": "Scripted failure.", "status": "SCRIPTED"}
            self._send_json(queued, {"error": error})
            return
        if queued is not None:  # a test scripted this answer (answer_text)
            self._send_json(200, _gemini_text_answer(queued, model, response_id))
            return
        self.fake._pause(self.fake.prompt_latency)
        text = record.body["contents"][0]["parts"][0]["text"]
        script = text.split("<script>", 1)[-1].split("</script>", 1)[0].strip()
        shot = {
            "location": "the scene of the script",
            "characters": [],
            "action": script[:200],
            "mood": "calm",
            "lighting": "soft daylight",
            "shot_size": "medium",
            "camera_angle": "eye_level",
            "camera_movement": "static",
            "prompt": f"A storyboard frame: {script}",
        }
        self._send_json(200, _gemini_text_answer(json.dumps(shot), model, response_id))

    # --- faults and plumbing ----------------------------------------------------------------
    def _replied_with_fault(self, fault: str, *, replicate: bool) -> bool:
        if fault == "rate_limit":
            self._send_rate_limited(replicate=replicate)
        elif fault == "server_error":
            body = (
                {"title": "Internal Server Error", "detail": "Something broke.", "status": 500}
                if replicate
                else {"error": {"code": 500, "message": "Internal error.", "status": "INTERNAL"}}
            )
            self._send_json(500, body)
        elif fault == "malformed":
            self._send_bytes(
                201 if replicate else 200, b'{"id": "pred0", "status": ', "application/json"
            )
        elif fault == "timeout":
            self.fake._pause(self.fake.hang_seconds)
            self.close_connection = True
        else:
            return False
        return True

    def _send_rate_limited(self, *, replicate: bool) -> None:
        seconds = self.fake.retry_after_seconds
        if replicate:
            body = {
                "title": "Request was throttled",
                "detail": f"Request was throttled. Expected available in {seconds} second.",
                "status": 429,
            }
        else:
            retry_info = {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{seconds}s",
            }
            body = {
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted (e.g. check quota).",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [retry_info],
                }
            }
        self._send_json(429, body, headers={"Retry-After": str(seconds)})

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(body).encode(), "application/json", headers=headers)

    def _send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        cut: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.fake._answer(self._current)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if cut:  # a connection reset halfway through the body
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


def _is_generation(path: str) -> bool:
    """A Replicate prediction create or a Gemini generateContent call."""
    return any(
        pattern.match(path)
        for pattern in (_MODEL_PREDICTIONS, _VERSION_PREDICTIONS, _GENERATE_CONTENT)
    )


@dataclass(frozen=True)
class CapExcess:
    peak: int  # the most calls in flight at once
    calls: int  # calls that arrived while the cap was already full
    seconds: float  # how long, in total, more than the cap were in flight


def cap_excess(spans: list[tuple[float, float | None]], *, cap: int) -> CapExcess:
    """Sweeps the (arrival, answer) spans; a call still unanswered counts until now."""
    now = time.monotonic()
    # At equal times an answer comes first: a slot freed and taken again is no overlap.
    events = sorted([(start, 1) for start, _ in spans] + [(end or now, -1) for _, end in spans])
    in_flight = peak = calls = 0
    seconds = 0.0
    previous = None
    for moment, step in events:
        if previous is not None and in_flight > cap:
            seconds += moment - previous
        in_flight += step
        previous = moment
        peak = max(peak, in_flight)
        if step == 1 and in_flight > cap:
            calls += 1
    return CapExcess(peak=peak, calls=calls, seconds=seconds)


def _timestamp(moment: datetime) -> str:
    """Replicate's form of a time: "2026-12-06T10:00:00.123456Z"."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _list_position(prediction: _Prediction) -> tuple[str, int]:
    return (prediction.created_at, prediction.sequence)


def _asks_for_json(body: Any) -> bool:
    config = (body or {}).get("generationConfig", {})
    return config.get("responseMimeType") == "application/json"


def _prefer_wait_seconds(prefer: str) -> float | None:
    if not prefer.startswith("wait"):
        return None
    _, _, seconds = prefer.partition("=")
    return float(seconds) if seconds else 60.0


def _scaled(size: tuple[int, int], megapixels: float) -> tuple[int, int]:
    if not megapixels:
        return size
    factor = (megapixels * 1_000_000 / (size[0] * size[1])) ** 0.5
    return round(size[0] * factor), round(size[1] * factor)


def _replicate_size(inputs: dict) -> tuple[int, int]:
    if "width" in inputs and "height" in inputs:
        return size_for_ratio(inputs["width"], inputs["height"])
    return size_for_aspect_ratio(inputs.get("aspect_ratio", "1:1"))


def _gemini_answer(image: bytes, model: str, response_id: str, with_thought: bool) -> dict:
    parts = []
    if with_thought:
        thought_image = png_image((64, 64), seed=-1)
        parts.append({"inlineData": _inline(thought_image), "thought": True})
    parts.append({"inlineData": _inline(image)})
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        "modelVersion": model,
        "responseId": response_id,
    }


def _gemini_text_answer(text: str, model: str, response_id: str) -> dict:
    candidate = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    return {"candidates": [candidate], "modelVersion": model, "responseId": response_id}


def _inline(image: bytes) -> dict:
    return {"mimeType": "image/png", "data": base64.b64encode(image).decode("ascii")}


# --- reading what the SDKs sent -------------------------------------------------------------
def uploaded_bytes(server: FakeProviderServer, url: str) -> bytes:
    """The bytes behind a Replicate file URL our client put in an input."""
    return server.uploads[url.rsplit("/", 1)[-1]].data


def data_uri_bytes(uri: str) -> bytes:
    header, _, encoded = uri.partition(",")
    assert header.startswith("data:") and header.endswith(";base64"), header
    return base64.b64decode(encoded)


def data_uri_mime_type(uri: str) -> str:
    return uri.partition(",")[0].removeprefix("data:").removesuffix(";base64")


def gemini_parts(body: dict) -> list[tuple[str, Any]]:
    """The request's parts in order: ("text", str) or ("image", (mime_type, bytes))."""
    parts = []
    for content in body["contents"]:
        for part in content["parts"]:
            if "text" in part:
                parts.append(("text", part["text"]))
                continue
            # The API reads both spellings; google-genai sends inlineData with mime_type, and
            # encodes the bytes as URL-safe base64.
            inline = part.get("inlineData") or part["inline_data"]
            mime_type = inline.get("mimeType") or inline["mime_type"]
            parts.append(("image", (mime_type, base64.urlsafe_b64decode(inline["data"]))))
    return parts
