"""Restart-safe event reading: a persisted cursor and a reader that never skips an event.

The :class:`EventCursor` remembers, per key, the last block whose events were *fully
processed*. An :class:`EventReader` yields the events after that block in chain order and
moves the cursor only once the caller has come back for more, so a crash while handling an
event replays that event's block (at-least-once) and never loses one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import Any, Final, cast

from eth_typing import HexStr
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractEvent
from web3.exceptions import Web3RPCError
from web3.types import EventData, FilterParams, LogReceipt

from fedchain.chain._files import atomic_write_text
from fedchain.exceptions import ConfigError

logger = logging.getLogger(__name__)

CURSOR_FORMAT: Final = "fedchain.event-cursor/1"
"""Value of the ``format`` field of a cursor file."""
DEFAULT_CHUNK_SIZE: Final = 2_000
"""Blocks per ``eth_getLogs`` request (public RPC providers cap the range)."""


class EventCursor:
    """The last fully processed block per key, optionally persisted to a JSON file.

    Writes are atomic (temporary file + rename), so a crash leaves the old or the new cursor.
    One process should own a file; keys separate the readers inside it.

    Parameters
    ----------
    path:
        JSON file to load from and save to; ``None`` keeps the cursor in memory.

    Examples
    --------
    >>> cursor = EventCursor()
    >>> cursor.get("coordinator") is None
    True
    >>> cursor.set("coordinator", 41)
    >>> cursor.get("coordinator")
    41
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._blocks: dict[str, int] = self._load() if self.path is not None else {}

    def _load(self) -> dict[str, int]:
        assert self.path is not None
        try:
            doc: Any = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read event cursor {self.path}: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != CURSOR_FORMAT:
            raise ConfigError(f"{self.path} is not an event cursor")
        blocks = doc.get("blocks")
        if not isinstance(blocks, dict):
            raise ConfigError(f"{self.path} is not an event cursor")
        if not all(isinstance(k, str) and type(v) is int for k, v in blocks.items()):
            raise ConfigError(f"{self.path}: malformed cursor entries")
        return dict(blocks)

    def get(self, key: str) -> int | None:
        """Last fully processed block for ``key``, or ``None`` if nothing was processed."""
        with self._lock:
            return self._blocks.get(key)

    def set(self, key: str, block: int) -> None:
        """Record that every event of ``key`` up to and including ``block`` was processed.

        Moving a cursor backwards raises :class:`~fedchain.exceptions.ConfigError`; use
        :meth:`reset` for that.
        """
        with self._lock:
            current = self._blocks.get(key)
            if current is not None and block < current:
                raise ConfigError(f"cursor {key!r} cannot move back from {current} to {block}")
            if current == block:
                return
            self._blocks[key] = int(block)
            self._save()

    def reset(self, key: str, block: int | None = None) -> None:
        """Set ``key`` to ``block`` (``None``: start from the reader's first block again)."""
        with self._lock:
            if block is None:
                self._blocks.pop(key, None)
            else:
                self._blocks[key] = int(block)
            self._save()

    def keys(self) -> list[str]:
        """Every key, sorted."""
        with self._lock:
            return sorted(self._blocks)

    def _save(self) -> None:
        if self.path is not None:
            doc = {"format": CURSOR_FORMAT, "blocks": dict(sorted(self._blocks.items()))}
            atomic_write_text(self.path, json.dumps(doc, indent=1) + "\n")


class EventReader:
    """Read the events of one contract in order, from where the cursor stopped to the head.

    Parameters
    ----------
    w3:
        The connected ``Web3``.
    contract:
        The contract (bound to its address) whose events to read.
    event_names:
        Event names to read (every overload of a name); ``None`` reads all events.
    cursor, key:
        Where progress is kept, and under which key.
    chunk_size:
        Blocks per ``eth_getLogs`` request; halved automatically when a node refuses a range.
    confirmations:
        Blocks to stay behind the head (reorg safety on live chains).
    start_block:
        First block to read when the cursor has nothing for ``key`` (the deployment block).
    auto_commit:
        Advance the cursor as the caller consumes events (see :meth:`poll`); when ``False``
        the caller calls :meth:`commit`.

    Examples
    --------
    Process whatever is new, then call again later::

        reader = EventReader(w3, coordinator, ["RoundOpened"], EventCursor("cursor.json"), "node")
        for event in reader.poll():
            handle(event)   # a crash here replays this event's block on restart
    """

    def __init__(
        self,
        w3: Web3,
        contract: Contract,
        event_names: Iterable[str] | None,
        cursor: EventCursor,
        key: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        confirmations: int = 0,
        start_block: int = 0,
        auto_commit: bool = True,
    ) -> None:
        if chunk_size < 1 or confirmations < 0 or start_block < 0:
            raise ConfigError("chunk_size must be >= 1, confirmations and start_block >= 0")
        if contract.address is None:
            raise ConfigError("the contract must be bound to an address")
        self.w3 = w3
        self.contract = contract
        self.cursor = cursor
        self.key = key
        self.chunk_size = chunk_size
        self.confirmations = confirmations
        self.start_block = start_block
        self.auto_commit = auto_commit
        self._events = self._select(contract, event_names)

    @staticmethod
    def _select(contract: Contract, names: Iterable[str] | None) -> dict[str, ContractEvent]:
        wanted = None if names is None else set(names)
        by_topic: dict[str, ContractEvent] = {}
        found: set[str] = set()
        events = cast(Iterable[ContractEvent], contract.events)
        for event in events:
            name = str(event.abi["name"])
            if wanted is not None and name not in wanted:
                continue
            if event.abi.get("anonymous"):
                raise ConfigError(f"anonymous event {name} cannot be filtered by topic")
            by_topic[HexStr(event.topic.lower())] = event
            found.add(name)
        missing = (wanted or set()) - found
        if missing:
            raise ConfigError(f"events not in the contract ABI: {', '.join(sorted(missing))}")
        if not by_topic:
            raise ConfigError("no events to read")
        return by_topic

    @property
    def next_block(self) -> int:
        """First block the next :meth:`poll` reads."""
        done = self.cursor.get(self.key)
        return self.start_block if done is None else max(done + 1, self.start_block)

    def head(self) -> int:
        """Last block that may be read now (latest minus confirmations; -1 if none)."""
        return int(self.w3.eth.block_number) - self.confirmations

    def commit(self, block: int) -> None:
        """Record that every event up to and including ``block`` was processed."""
        self.cursor.set(self.key, block)

    def _advance(self, block: int) -> None:
        done = self.cursor.get(self.key)
        if done is None or block > done:  # a manual commit may already be further
            self.cursor.set(self.key, block)

    def poll(self, *, to_block: int | None = None) -> Generator[EventData, None, None]:
        """Yield the events from :attr:`next_block` to the head (or ``to_block``), in order.

        Events are sorted by block, transaction index and log index. With ``auto_commit`` the
        cursor moves to a block once the caller asks for the event after that block's last
        one, and to the end of each chunk when its events are exhausted: stopping (a crash,
        an exception, ``break``) while handling an event leaves its block uncommitted, so the
        next poll replays that block.
        """
        start = self.next_block
        end = self.head() if to_block is None else min(to_block, self.head())
        while start <= end:
            chunk_end = min(start + self.chunk_size - 1, end)
            try:
                events = self.get_events(start, chunk_end)
            except Web3RPCError as exc:
                if self.chunk_size == 1 or not _range_refused(exc):
                    raise
                self.chunk_size = max(1, self.chunk_size // 2)
                logger.info("node refused a log range; chunk size now %d", self.chunk_size)
                continue
            for i, event in enumerate(events):
                yield event
                last_of_block = i + 1 == len(events) or events[i + 1]["blockNumber"] != event["blockNumber"]
                if self.auto_commit and last_of_block:
                    self._advance(int(event["blockNumber"]))
            if self.auto_commit:
                self._advance(chunk_end)
            start = chunk_end + 1

    def get_events(self, from_block: int, to_block: int) -> list[EventData]:
        """Decoded events in ``[from_block, to_block]``, sorted; the cursor is not used."""
        params: FilterParams = {
            "address": self.contract.address,
            "fromBlock": from_block,
            "toBlock": to_block,
            "topics": [list(self._events)],
        }
        logs: list[LogReceipt] = list(self.w3.eth.get_logs(params))
        decoded = [self._decode(log) for log in logs]
        return sorted(decoded, key=lambda e: (e["blockNumber"], e["transactionIndex"], e["logIndex"]))

    def _decode(self, log: LogReceipt) -> EventData:
        topic = Web3.to_hex(log["topics"][0]).lower()
        return cast(EventData, self._events[topic].process_log(log))


def _range_refused(exc: Web3RPCError) -> bool:
    text = str(exc).lower()
    return any(hint in text for hint in ("range", "limit", "too many", "exceed", "10000"))


__all__ = ["CURSOR_FORMAT", "DEFAULT_CHUNK_SIZE", "EventCursor", "EventReader"]
