"""The emulator as a WSGI application: routing, keys, credits, faults and a request log."""

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from clodura_cli.api import spec
from clodura_cli.sandbox import dialects
from clodura_cli.sandbox.data import (
    DEFAULT_SEED,
    VENDOR_EMPLOYEE_SIZE,
    VENDOR_ORGANIZATION_ID,
    Dataset,
    build_dataset,
)
from clodura_cli.sandbox.faults import FaultInjector, Faults, FaultSpecError
from clodura_cli.sandbox.keys import SANDBOX_KEYS, STANDARD
from clodura_cli.sandbox.reveal import (
    EMAIL,
    PHONE,
    charge,
    check_can_reveal,
    find_person,
    job_outcome,
    validate_email_reveal,
    validate_phone_reveal,
)
from clodura_cli.sandbox.routes import route_for
from clodura_cli.sandbox.search import (
    ApiProblem,
    matching_companies,
    matching_indexes,
    not_emulated,
    org_record,
    validate_org_search,
    validate_search,
)
from clodura_cli.sandbox.state import Job, SandboxState, credits_payload
from clodura_cli.sandbox.webhook import Courier, deliverable

DEFAULT_JOB_DELAY = 1.0
CONTROL_PREFIX = "/_sandbox"
#: A job is "queued" for this share of its delay, then "processing".
_QUEUED_SHARE = 0.3
_STATUS_TEXT = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    418: "I'm a teapot",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>"
)

StartResponse = Callable[..., Any]


class DroppedConnection(Exception):
    """Raised by the app to have the server close the connection without answering."""


class SimulatedTimeout(Exception):
    """Raised in-process when the client's read timeout would expire before the answer."""


class Request(NamedTuple):
    """A request as a handler sees it: the key, the raw body, the path and the query (parsed
    from QUERY_STRING, as a real server splits them)."""

    key: str
    body: bytes
    path: str
    query: dict[str, list[str]]


class Answer(NamedTuple):
    """A response before faults reshape it."""

    status: int
    payload: Any
    records: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    #: The body already serialised, when the handler made it faster than json.dumps would.
    raw: bytes | None = None


class SandboxApp:
    """Emulates the Clodura API (Part A and B of the API contract) over the synthetic data set."""

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        job_delay: float = DEFAULT_JOB_DELAY,
        faults: Faults | None = None,
        seed: int = DEFAULT_SEED,
        clock: Callable[[], float] = time.time,
        dialect: str = "default",
        track: bool = True,
    ) -> None:
        """``track``: whether the (undocumented) track endpoint exists; without it the
        results come only by webhook, as the vendor documents."""
        self.state = SandboxState(state_path)
        self.track_enabled = track
        self.courier = Courier(self._delivery)
        #: Which shape the answers take (see clodura_cli.sandbox.dialects).
        self.dialect = dialects.check_dialect(dialect)
        self.job_delay = job_delay
        self.injector = FaultInjector(faults or Faults())
        self.seed = seed
        self.clock = clock
        #: Every API request received: method, path, endpoint, plan, body, status, records, fault.
        self.log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        #: Requests being handled right now, and the most there ever were at once.
        self.in_flight = 0
        self.max_in_flight = 0
        self._matches: OrderedDict[str, list[int]] = OrderedDict()
        self._records_json: dict[str, bytes] = {}
        self._matches_lock = threading.Lock()

    def close(self) -> None:
        """Stop delivering webhooks and close the state file."""
        self.courier.stop()
        self.state.close()

    @property
    def dataset(self) -> Dataset:
        """The synthetic people and companies (built on first use)."""
        return build_dataset(self.seed)

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault settings."""
        self.injector = FaultInjector(faults)

    def records_served(self) -> int:
        """How many people records the search endpoint has returned so far."""
        with self._log_lock:
            return sum(entry["records"] for entry in self.log)

    # WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        raw = _read_body(environ)
        if path.startswith(CONTROL_PREFIX):
            answer = self._control(method, path, raw)
            return _respond(start_response, answer.status, _json_bytes(answer.payload))
        endpoint = _endpoint(method, path)
        fault, retry_after = self.injector.choose(endpoint or "*")
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "endpoint": endpoint,
            "plan": None,
            "body": _loads_or_text(raw),
            "status": None,
            "records": 0,
            "fault": fault,
            "time": self.clock(),
        }
        with self._log_lock:
            self.log.append(entry)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._answer(
                method, path, raw, environ, start_response, entry, fault, retry_after
            )
        finally:
            with self._log_lock:
                self.in_flight -= 1

    def _answer(
        self,
        method: str,
        path: str,
        raw: bytes,
        environ: dict[str, Any],
        start_response: StartResponse,
        entry: dict[str, Any],
        fault: str | None,
        retry_after: float | None,
    ) -> Iterable[bytes]:
        # The injected latency is the whole time the server takes: the work of answering is
        # done within it, as on a real server, and only the rest is slept.
        respond_at = time.monotonic() + self.injector.faults.latency
        if fault is not None and fault.isdigit():
            entry["status"] = int(fault)
            headers = [] if retry_after is None else [("Retry-After", _seconds(retry_after))]
            headers += self.injector.rate_headers()
            message = _STATUS_TEXT[int(fault)]
            _hold(respond_at)
            return _respond(
                start_response,
                int(fault),
                _json_bytes({"message": message, "statusCode": int(fault)}),
                headers,
            )
        if fault == "html":
            entry["status"] = 502
            _hold(respond_at)
            return _respond(start_response, 502, _HTML_PAGE, content_type="text/html")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        request = Request(environ.get("HTTP_X_API_KEY") or "", raw, path, query)
        answer = self._handle(method, request, entry)
        entry["status"] = answer.status
        entry["records"] = answer.records
        body = answer.raw if answer.raw is not None else _json_bytes(answer.payload)
        _hold(respond_at)
        if fault == "drop":
            raise DroppedConnection()
        if fault == "timeout":
            timeout = environ.get("clodura.read_timeout")
            if timeout is not None and timeout <= self.injector.faults.timeout_delay:
                raise SimulatedTimeout()
            time.sleep(self.injector.faults.timeout_delay)
        content_type = "application/json"
        if fault == "truncate":
            body = body[: max(1, len(body) // 2)]
        elif fault == "empty":
            body = b""
        elif fault == "object":
            body = _json_bytes({"unexpected": "shape", "items": 0})
        elif fault in ("html200", "wrongtype"):
            body = _HTML_PAGE if fault == "html200" else b"OK"
            content_type = "text/html" if fault == "html200" else "text/plain"
        headers = [*answer.headers, *self.injector.rate_headers()]
        return _respond(start_response, answer.status, body, headers, content_type)

    def _handle(self, method: str, request: Request, entry: dict[str, Any]) -> Answer:
        try:
            handler = self._route(method, request.path)
            if request.key not in SANDBOX_KEYS:
                raise ApiProblem(401, "Missing or invalid API key")
            entry["plan"] = SANDBOX_KEYS[request.key].name
            return handler(request)
        except ApiProblem as problem:
            return Answer(
                problem.status, {"message": problem.message, "statusCode": problem.status}
            )

    def _route(self, method: str, path: str) -> Callable[[Request], Answer]:
        route = route_for(path)
        if route is None or (route.name == "track" and not self.track_enabled):
            where = route.path if route is not None else path
            raise ApiProblem(404, f"No route for {method} {where}")
        if method != route.method:
            raise ApiProblem(405, "Method not allowed")
        handler: Callable[[Request], Answer] = getattr(self, route.handler)
        return handler

    # Endpoints -------------------------------------------------------------------------------

    def _search(self, request: Request) -> Answer:
        key, raw = request.key, request.body
        body = _json_object(raw)
        validate_search(body)
        with self.state.transaction() as db:
            self._settle(db, key)
            account = self.state.account(db, key)
            if _pool_empty(account):
                raise ApiProblem(402, "Credits exhausted; upgrade your plan or add credits")
            unlocked = self.state.unlocked(db, key)
            matches = self._matching(body, unlocked)
            start = (body["page"] - 1) * body["perPage"]
            page = [self.dataset.person(i) for i in matches[start : start + body["perPage"]]]
            if not page:
                raise ApiProblem(404, "No results found")
            viewed = sum(1 for p in page if p.record["personId"] in unlocked)
            if viewed:
                # A record viewed takes a contact from the pools, as an email revealed does.
                self.state.save_account(db, charge(account, EMAIL, viewed))
        suffix = b',"page":%d,"perPage":%d}' % (body["page"], body["perPage"])
        raw = b"[" + b",".join(self._record_json(p.record) + suffix for p in page) + b"]"
        return Answer(200, None, len(page), not_emulated("search", body), raw)

    def _org_search(self, request: Request) -> Answer:
        raw = request.body
        body = _json_object(raw)
        validate_org_search(body)
        found = matching_companies(self.dataset, body)
        start = (body["page"] - 1) * body["perPage"]
        page = [org_record(c) for c in found[start : start + body["perPage"]]]
        pagination = {"page": body["page"], "perPage": body["perPage"], "total": len(found)}
        answer = {"data": page, "pagination": pagination}
        return Answer(200, answer, len(page), not_emulated("orgs", body))

    def _record_json(self, record: dict[str, Any]) -> bytes:
        """A person's record as JSON without its closing brace, serialised once per app."""
        key = f"{self.dialect}:{record['personId']}"
        cached = self._records_json.get(key)
        if cached is None:
            vendor = record["organizationId"] == VENDOR_ORGANIZATION_ID
            shaped = dialects.search_record(
                self.dialect, record, VENDOR_EMPLOYEE_SIZE if vendor else None
            )
            cached = self._records_json[key] = _json_bytes(shaped)[:-1]
        return cached

    def _matching(self, body: dict[str, Any], unlocked: frozenset[str]) -> list[int]:
        # Pages of one query re-run the same filter: keep the last few results.
        filters = {k: v for k, v in body.items() if k not in ("page", "perPage")}
        # The day too: the funding dates move on with it (data.calendar_shift).
        cache_key = json.dumps(filters, sort_keys=True) + "|" + time.strftime("%Y-%m-%d")
        if filters.get("excludeViewedPeople"):
            cache_key += "|" + str(hash(unlocked))
        with self._matches_lock:
            if cache_key in self._matches:
                self._matches.move_to_end(cache_key)
                return self._matches[cache_key]
        people = matching_indexes(self.dataset, filters, unlocked)
        with self._matches_lock:
            self._matches[cache_key] = people
            while len(self._matches) > 8:
                self._matches.popitem(last=False)
        return people

    def _reveal_email(self, request: Request) -> Answer:
        key, raw = request.key, request.body
        body = _json_object(raw)
        return self._submit(key, EMAIL, validate_email_reveal(body), body.get("webhookUrl"))

    def _reveal_phone(self, request: Request) -> Answer:
        key, raw = request.key, request.body
        body = _json_object(raw)
        return self._submit(key, PHONE, validate_phone_reveal(body), body.get("webhookUrl"))

    def _submit(
        self, key: str, kind: str, identifiers: dict[str, Any], webhook: Any = None
    ) -> Answer:
        now = self.clock()
        job = Job(
            tracking_id=uuid.uuid4().hex,
            key=key,
            type=kind,
            input=identifiers,
            created=now,
            ready=now + self.job_delay,
            status="queued",
            result=None,
            cost=0,
        )
        with self.state.transaction() as db:
            self._settle(db, key)
            check_can_reveal(self.state.account(db, key), kind)
            self.state.add_job(db, job)
        if deliverable(webhook):
            # Like the real service: the result is posted to the webhook once the job is done.
            self.courier.schedule(job.tracking_id, str(webhook), time.monotonic() + self.job_delay)
        return Answer(200, dialects.submission(self.dialect, job.tracking_id))

    def _delivery(self, tracking_id: str) -> Any:
        """What the webhook receives for a job, once it is final (in the dialect's shape)."""
        with self.state.transaction() as db:
            job = self.state.job(db, tracking_id)
            if job is not None:
                self._settle(db, job.key)
                job = self.state.job(db, tracking_id)
        if job is None or job.status not in ("completed", "failed"):
            return None
        payload = {"trackingId": job.tracking_id, "type": job.type, "status": job.status,
                   "input": job.input, "result": job.result}  # fmt: skip
        return dialects.track(self.dialect, payload)

    def _track(self, request: Request) -> Answer:
        key, path = request.key, request.path
        tracking_id = path[len(spec.TRACK_PATH) + 1 :]
        with self.state.transaction() as db:
            self._settle(db, key)
            job = self.state.job(db, tracking_id)
        if job is None or job.key != key:
            raise ApiProblem(404, f"Unknown tracking id '{tracking_id}'")
        status = job.status
        if status == "queued" and self.clock() >= job.created + _QUEUED_SHARE * (
            job.ready - job.created
        ):
            status = "processing"
        payload = {
            "trackingId": job.tracking_id,
            "type": job.type,
            "status": status,
            "input": job.input,
            "result": job.result,
        }
        return Answer(200, dialects.track(self.dialect, payload))

    def _verify_email(self, request: Request) -> Answer:
        return self._vendor(request, "verify", "verify_email")

    def _enrich_person(self, request: Request) -> Answer:
        return self._vendor(request, "enrich-person", "enrich_person")

    def _enrich_org(self, request: Request) -> Answer:
        return self._vendor(request, "enrich-org", "enrich_org")

    def _org_news(self, request: Request) -> Answer:
        return self._vendor(request, "news", "org_news")

    def _vendor(
        self,
        request: Request,
        endpoint: str,
        handler_name: str,
    ) -> Answer:
        """Verification, enrichment and news (clodura_cli.sandbox.vendor): answered and charged
        in one transaction; a queued verification's verdict is posted to its webhook later.
        The answer and the delivery are in the dialect's shape."""
        from clodura_cli.sandbox import vendor  # imported by the requests that need it

        handler: Callable[[vendor.Context, dict[str, Any]], vendor.Outcome]
        handler = getattr(vendor, handler_name)
        body = _json_object(request.body)
        with self.state.transaction() as db:
            self._settle(db, request.key)
            account = self.state.account(db, request.key)
            context = vendor.Context(self.dataset, account, self.clock(), self.job_delay)
            outcome = handler(context, body)
            self.state.save_account(db, vendor.charge(account, outcome))
        if outcome.delivery is not None and deliverable(outcome.webhook):
            self.courier.schedule(
                str(outcome.delivery["documentId"]),
                str(outcome.webhook),
                time.monotonic() + self.job_delay,
                dialects.vendor_answer(self.dialect, endpoint, outcome.delivery),
            )
        return Answer(
            outcome.status, dialects.vendor_answer(self.dialect, endpoint, outcome.payload)
        )

    def _credits(self, request: Request) -> Answer:
        key = request.key
        with self.state.transaction() as db:
            self._settle(db, key)
            account = self.state.account(db, key)
        return Answer(200, credits_payload(account))

    def _settle(self, db: Any, key: str) -> None:
        """Finish every job of the key whose time has come, charging what it cost."""
        jobs = self.state.due_jobs(db, key, self.clock())
        if not jobs:
            return
        account = self.state.account(db, key)
        family = SANDBOX_KEYS[key].family
        for due in jobs:
            person = find_person(self.dataset, due.input)
            status, result, cost = job_outcome(due, person, family)
            self.state.finish_job(db, due._replace(status=status, result=result, cost=cost))
            account = charge(account, due.type, cost)
            if cost and person is not None:
                self.state.unlock(db, key, person.record["personId"])
        self.state.save_account(db, account)

    # Control plane (sandbox only) -------------------------------------------------------------

    def _control(self, method: str, path: str, raw: bytes) -> Answer:
        action = path[len(CONTROL_PREFIX) :]
        if action == "/log" and method == "GET":
            with self._log_lock:
                return Answer(200, list(self.log))
        if action == "/log" and method == "DELETE":
            with self._log_lock:
                self.log.clear()
                self.max_in_flight = self.in_flight
            return Answer(200, {"cleared": True})
        if action == "/stats" and method == "GET":
            with self._log_lock:
                in_flight = self.in_flight
            return Answer(
                200,
                {
                    "inFlight": in_flight,
                    "maxInFlight": self.max_in_flight,
                    "recordsServed": self.records_served(),
                },
            )
        if action == "/dialect" and method == "PUT":
            try:
                self.dialect = dialects.check_dialect(str(_json_object(raw).get("dialect")))
            except (ValueError, ApiProblem) as exc:
                return Answer(400, {"message": str(exc)})
            return Answer(200, {"dialect": self.dialect})
        if action == "/job-delay" and method == "PUT":
            try:
                seconds = _json_object(raw).get("seconds")
            except ApiProblem:
                seconds = None
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                return Answer(400, {"message": "seconds must be a number of seconds, 0 or more"})
            self.job_delay = float(seconds)
            with self.state.transaction() as db:
                self.state.reschedule_pending(db, self.job_delay)
            return Answer(200, {"jobDelay": self.job_delay})
        if action == "/faults" and method == "PUT":
            try:
                self.set_faults(Faults.from_mapping(_json_object(raw)))
            except (FaultSpecError, ApiProblem) as exc:
                return Answer(400, {"message": str(exc)})
            return Answer(200, {"faults": "set"})
        return Answer(404, {"message": f"No control route {method} {path}"})


def _pool_empty(account: Any) -> bool:
    plan = SANDBOX_KEYS[account.key]
    if plan.family == STANDARD:
        return bool(account.contacts_used >= plan.max_contacts)
    return bool(account.remaining <= 0)


def _endpoint(method: str, path: str) -> str | None:
    route = route_for(path)
    return route.name if route is not None else None


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise ApiProblem(400, "Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiProblem(400, "Request body must be a JSON object")
    return body


def _loads_or_text(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _hold(until: float) -> None:
    remaining = until - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _respond(
    start_response: StartResponse,
    status: int,
    body: bytes,
    headers: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> list[bytes]:
    start_response(
        f"{status} {_STATUS_TEXT.get(status, 'Error')}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            *(headers or []),
        ],
    )
    return [body]
