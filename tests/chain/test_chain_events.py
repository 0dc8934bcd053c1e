"""Event cursor persistence and restart-safe event reading (on every backend)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from web3.contract import Contract

from fedchain.chain import ChainBackend, EventCursor, EventReader, Transactor
from fedchain.exceptions import ConfigError

# -- cursor ----------------------------------------------------------------------------------------


def test_cursor_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "cursor.json"
    cursor = EventCursor(path)
    cursor.set("a", 10)
    cursor.set("b", 3)
    reopened = EventCursor(path)
    assert (reopened.get("a"), reopened.get("b"), reopened.get("c")) == (10, 3, None)
    assert reopened.keys() == ["a", "b"]
    assert json.loads(path.read_text())["blocks"] == {"a": 10, "b": 3}


def test_cursor_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    cursor = EventCursor(tmp_path / "cursor.json")
    for block in range(20):
        cursor.set("k", block)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cursor.json"]


def test_cursor_never_moves_back_unless_reset(tmp_path: Path) -> None:
    cursor = EventCursor(tmp_path / "c.json")
    cursor.set("k", 5)
    with pytest.raises(ConfigError):
        cursor.set("k", 4)
    cursor.reset("k", 2)
    assert cursor.get("k") == 2
    cursor.reset("k")
    assert EventCursor(tmp_path / "c.json").get("k") is None


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"format": "other", "blocks": {}}',
        '{"format": "fedchain.event-cursor/1"}',
        '{"format": "fedchain.event-cursor/1", "blocks": {"k": "7"}}',
    ],
)
def test_cursor_refuses_a_malformed_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(ConfigError):
        EventCursor(path)


def test_memory_cursor_writes_nothing(tmp_path: Path) -> None:
    cursor = EventCursor()
    cursor.set("k", 1)
    assert cursor.path is None and cursor.get("k") == 1


# -- reader ----------------------------------------------------------------------------------------


def _increments(transactor: Transactor, contract: Contract, amounts: list[int]) -> None:
    for amount in amounts:
        transactor.transact(contract.functions.increment(amount), phase="events")


def _reader(
    backend: ChainBackend, contract: Contract, cursor: EventCursor, start: int, **kw: Any
) -> EventReader:
    return EventReader(
        backend.w3, contract, ["FixtureIncremented"], cursor, "fixture", start_block=start, **kw
    )


def test_reader_yields_decoded_events_in_order(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    _increments(transactor, fixture_contract, [1, 2, 3])
    transactor.transact(fixture_contract.functions.pay(), phase="events", value=9)
    reader = EventReader(
        backend.w3, fixture_contract, None, EventCursor(), "all", start_block=start, chunk_size=2
    )
    events = list(reader.poll())
    assert [e["event"] for e in events] == ["FixtureIncremented"] * 3 + ["FixturePaid"]
    assert [e["args"]["amount"] for e in events[:3]] == [1, 2, 3]
    assert events[0]["args"]["by"] == transactor.address
    keys = [(e["blockNumber"], e["transactionIndex"], e["logIndex"]) for e in events]
    assert keys == sorted(keys)
    assert list(reader.poll()) == []  # everything is committed
    assert reader.cursor.get("all") == backend.block_number()


def test_reader_restart_after_crash_loses_and_duplicates_nothing(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract, tmp_path: Path
) -> None:
    start = backend.block_number()
    amounts = list(range(1, 11))
    _increments(transactor, fixture_contract, amounts)
    path = tmp_path / "cursor.json"

    processed: list[int] = []
    first = _reader(backend, fixture_contract, EventCursor(path), start, chunk_size=3)
    with pytest.raises(RuntimeError):
        for event in first.poll():
            if len(processed) == 5:
                raise RuntimeError("crash while handling the sixth event")
            processed.append(event["args"]["amount"])
    committed = EventCursor(path).get("fixture")
    assert committed is not None

    # A new process: a new cursor object from the file and a new reader.
    second = _reader(backend, fixture_contract, EventCursor(path), start, chunk_size=3)
    for event in second.poll():
        assert event["blockNumber"] > committed  # nothing at or before the committed block
        processed.append(event["args"]["amount"])
    assert processed == amounts  # no loss, no duplicate (one event per block here)


def test_reader_replays_the_block_of_an_unprocessed_event(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    _increments(transactor, fixture_contract, [1, 2])
    cursor = EventCursor()
    reader = _reader(backend, fixture_contract, cursor, start)
    events = reader.poll()
    first = next(events)
    events.close()  # stopped while "handling" the first event: it was not committed
    assert next(iter(_reader(backend, fixture_contract, cursor, start).poll())) == first


def test_reader_resumes_with_new_events(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    reader = _reader(backend, fixture_contract, EventCursor(), start)
    _increments(transactor, fixture_contract, [1])
    assert [e["args"]["amount"] for e in reader.poll()] == [1]
    _increments(transactor, fixture_contract, [2, 3])
    assert [e["args"]["amount"] for e in reader.poll()] == [2, 3]


def test_reader_manual_commit(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    _increments(transactor, fixture_contract, [1, 2])
    cursor = EventCursor()
    reader = _reader(backend, fixture_contract, cursor, start, auto_commit=False)
    events = list(reader.poll())
    assert cursor.get("fixture") is None
    reader.commit(events[0]["blockNumber"])
    assert [e["args"]["amount"] for e in reader.poll()] == [2]


def test_reader_stays_behind_by_confirmations(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    _increments(transactor, fixture_contract, [1, 2])
    reader = _reader(backend, fixture_contract, EventCursor(), start, confirmations=1)
    assert [e["args"]["amount"] for e in reader.poll()] == [1]
    backend.mine()
    assert [e["args"]["amount"] for e in reader.poll()] == [2]


def test_reader_refuses_unknown_events(backend: ChainBackend, fixture_contract: Contract) -> None:
    with pytest.raises(ConfigError, match="Nope"):
        EventReader(backend.w3, fixture_contract, ["Nope"], EventCursor(), "k")


def test_crash_inside_a_block_replays_that_whole_block_only(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    start = backend.block_number()
    _increments(transactor, fixture_contract, [1])
    transactor.transact(fixture_contract.functions.incrementTwice(2, 3), phase="events")
    _increments(transactor, fixture_contract, [4])
    cursor = EventCursor()

    seen: list[int] = []
    with pytest.raises(RuntimeError):
        for event in _reader(backend, fixture_contract, cursor, start).poll():
            seen.append(event["args"]["amount"])
            if event["args"]["amount"] == 2:
                raise RuntimeError("crash after the first of two events in one block")
    assert seen == [1, 2]
    replay = [e["args"]["amount"] for e in _reader(backend, fixture_contract, cursor, start).poll()]
    assert replay == [2, 3, 4]  # the interrupted block again, whole; never event 1


def test_reader_halves_its_chunk_when_the_node_refuses_a_range(
    backend: ChainBackend,
    transactor: Transactor,
    fixture_contract: Contract,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from web3.exceptions import Web3RPCError

    start = backend.block_number()
    _increments(transactor, fixture_contract, [1, 2, 3])
    real_get_logs = backend.w3.eth.get_logs
    ranges: list[int] = []

    def picky_get_logs(params: Any) -> Any:
        span = params["toBlock"] - params["fromBlock"] + 1
        ranges.append(span)
        if span > 2:
            raise Web3RPCError("query exceeds max block range 2")
        return real_get_logs(params)

    monkeypatch.setattr(backend.w3.eth, "get_logs", picky_get_logs)
    reader = _reader(backend, fixture_contract, EventCursor(), start, chunk_size=8)
    assert [e["args"]["amount"] for e in reader.poll()] == [1, 2, 3]
    assert reader.chunk_size == 2
    assert ranges[0] > 2  # the first request was refused...
    first_accepted = ranges.index(2)
    assert all(span <= 2 for span in ranges[first_accepted:])  # ...then it kept to 2 blocks
