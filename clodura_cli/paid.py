"""Buying items from the synchronous paid endpoints (verification, enrichment, company news) as
a use case: each item is claimed in the ledger before its request leaves, so that none is paid
for twice; answers are kept as received and read by evidence (Part B4 of the API contract).

An endpoint here is a small table row (``PaidEndpoint``): its path, the price of one request,
and how its answer is read. The commands build ``Purchase`` items and hand them to ``buy``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from clodura_cli.api.errors import (
    STOPS_A_RUN,
    CloduraError,
    state_after_failure,
)
from clodura_cli.batch import each_in_order
from clodura_cli.store.items import Item, PaidItems

if TYPE_CHECKING:
    from clodura_cli.api.client import CloduraClient


@dataclass(frozen=True)
class Reading:
    """What an answer holds, read by evidence."""

    status: str  # completed | no_match | pending | unread
    result: Any = None
    credits: float | None = None
    document_id: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class PaidEndpoint:
    """One paid endpoint: where it is, what one request may cost, how its answer is read."""

    name: str
    path: str
    #: The most one request (its body) may cost.
    worst: Callable[[dict[str, Any]], float]
    #: (HTTP status, decoded answer, the body sent) -> what it holds.
    read: Callable[[int, Any, dict[str, Any]], Reading]


@dataclass(frozen=True)
class Purchase:
    """One item to buy: its ledger key, the body to send, the input record it answers."""

    key: str
    body: dict[str, Any]
    record: dict[str, Any]


@dataclass
class Bought:
    """What came of one purchase: the item, and whether the ledger answered ("ledger"), it
    was sent now ("sent"), or another run holds it ("held")."""

    purchase: Purchase
    item: Item
    source: str


#: An item sent whose cost its answer does not tell: not understood, or no answer at all.
UNSURE = frozenset({"unread", "unknown"})


@dataclass
class Basket:
    """A whole run: what came of each purchase, in input order, and why it stopped."""

    bought: list[Bought] = field(default_factory=list)
    not_sent: list[Purchase] = field(default_factory=list)
    fatal: CloduraError | None = None

    def count(self, *statuses: str, source: str | None = None) -> int:
        """How many items have one of ``statuses`` (from ``source`` if given)."""
        return sum(
            1
            for b in self.bought
            if b.item.status in statuses and (source is None or b.source == source)
        )

    @property
    def spent(self) -> float:
        """The credits this run's answers say (or the prices say) were spent."""
        return sum(b.item.credits or 0.0 for b in self.bought if b.source == "sent")

    @property
    def unsure(self) -> list[Purchase]:
        """What this run sent whose cost no answer told: an answer not understood, or none
        at all. Each may have been charged up to its worst case."""
        return [b.purchase for b in self.bought if b.source == "sent"
                and b.item.credits is None and b.item.status in UNSURE]  # fmt: skip

    def at_most(self, endpoint: PaidEndpoint) -> float:
        """The most this run may have spent: what the answers say, and the worst case of
        what they do not say (what --max-credits counts)."""
        return self.spent + worst_case(endpoint, self.unsure)


#: How long an item another run claimed moments ago is waited for (it is being sent now)
#: before it counts as unanswered: longer than a request may take, with its retries.
IN_FLIGHT = 180.0


def in_flight(bought: Bought, now: float) -> bool:
    """True for an item another run claimed moments ago and has not answered yet (nothing
    was ever written to it after its claim)."""
    item = bought.item
    claimed_only = item.status == "unknown" and item.updated_at == item.submitted_at
    return bought.source == "held" and claimed_only and now - item.submitted_at < IN_FLIGHT


def settle(
    items: PaidItems,
    bought: list[Bought],
    waited: Callable[[Bought], bool],
    timeout: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Bought]:
    """The purchases with their items read again until none is ``waited`` for (an answer
    another run is getting, a verdict a webhook will post) or ``timeout`` seconds passed."""
    current = list(bought)
    deadline = clock() + timeout
    delay = 0.05
    while True:
        open_items = [i for i, b in enumerate(current) if waited(b)]
        if not open_items or clock() >= deadline:
            return current
        sleep(min(delay, max(0.0, deadline - clock())))
        delay = min(delay * 2, 1.0)
        for index in open_items:
            current[index] = replace(current[index], item=items.get(current[index].item.id))


def worst_case(endpoint: PaidEndpoint, purchases: list[Purchase]) -> float:
    """The most the purchases may cost (before the ledger answers any)."""
    return round(sum(endpoint.worst(p.body) for p in purchases), 4)


def buy(
    client: CloduraClient,
    items: PaidItems,
    account: str,
    endpoint: PaidEndpoint,
    purchases: list[Purchase],
    *,
    concurrency: int = 4,
    refresh: bool = False,
    max_age: float | None = None,
    on_item: Callable[[Bought], None] | None = None,
) -> Basket:
    """Claim each purchase in the ledger and send the new ones, ``concurrency`` at a time."""
    basket = Basket()
    stop = threading.Event()

    def one(purchase: Purchase) -> Bought:
        item, is_new = items.claim(
            account, endpoint.name, purchase.key, purchase.body, purchase.record,
            refresh=refresh, max_age=max_age,
        )  # fmt: skip
        if not is_new:
            source = "ledger" if item.status in ("completed", "no_match") else "held"
            bought = Bought(purchase, item, source)
        else:
            bought = Bought(purchase, _send(client, items, endpoint, item, stop, basket), "sent")
        if on_item is not None:
            on_item(bought)
        return bought

    basket.bought = each_in_order(purchases, one, concurrency=concurrency, name=endpoint.name,
                                  stop=stop, skipped=basket.not_sent.append)  # fmt: skip
    return basket


def _send(
    client: CloduraClient,
    items: PaidItems,
    endpoint: PaidEndpoint,
    item: Item,
    stop: threading.Event,
    basket: Basket,
) -> Item:
    try:
        answer = client.paid(endpoint.path, item.body)
    except CloduraError as exc:
        if isinstance(exc, STOPS_A_RUN):
            stop.set()
            basket.fatal = basket.fatal or exc
        return items.answered(
            item.id, state_after_failure(exc), message=str(exc), answer=exc.raw,
            headers=exc.headers,
        )  # fmt: skip
    status = int(answer.headers.get(":status", "200"))
    reading = endpoint.read(status, answer.payload, item.body)
    return items.answered(
        item.id, reading.status, result=reading.result, credits=reading.credits,
        document_id=reading.document_id, message=reading.message, answer=answer.content,
        headers=answer.headers,
    )  # fmt: skip
