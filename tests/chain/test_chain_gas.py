"""The gas ledger: records, summaries, JSON audit files, thread safety, rich table."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rich.console import Console

from fedchain.chain import GasLedger, GasRecord, gas_table
from fedchain.exceptions import ConfigError


def _record(role: str, phase: str, gas: int, n: int = 0) -> GasRecord:
    return GasRecord(role, phase, "f", "0xC0", gas, f"0x{n:064x}", n, 1, 7)


def test_summary_groups_by_role_and_phase() -> None:
    ledger = GasLedger()
    for n, (role, phase, gas) in enumerate(
        [("p", "commit", 100), ("p", "commit", 300), ("p", "reveal", 50), ("a", "submit", 900)]
    ):
        ledger.record(_record(role, phase, gas, n))
    rows = [(r.role, r.phase, r.count, r.total, r.mean, r.max) for r in ledger.summary()]
    assert rows == [
        ("a", "submit", 1, 900, 900.0, 900),
        ("p", "commit", 2, 400, 200.0, 300),
        ("p", "reveal", 1, 50, 50.0, 50),
    ]
    assert ledger.total() == 1350 and ledger.total(role="p") == 450
    assert ledger.total(phase="commit") == 400
    assert len(ledger) == 4 and ledger.records[0].fee_wei == 700


def test_summary_by_function() -> None:
    ledger = GasLedger(
        [
            GasRecord("p", "commit", "commit", "0xC0", 10, "0x1", 1),
            GasRecord("p", "commit", "approve", "0xC1", 5, "0x2", 1),
            GasRecord("p", "commit", "commit", "0xC0", 30, "0x3", 2),
        ]
    )
    rows = [(r.function, r.count, r.total) for r in ledger.summary(by_function=True)]
    assert rows == [("approve", 1, 5), ("commit", 2, 40)]
    assert [(r.function, r.count) for r in ledger.summary()] == [("", 3)]


def test_json_round_trip_and_files(tmp_path: Path) -> None:
    ledger = GasLedger([_record("p", "commit", 10, 1), _record("a", "x", 20, 2)])
    assert GasLedger.from_json(ledger.to_json()).records == ledger.records
    path = ledger.save(tmp_path / "audit" / "gas.json")
    assert GasLedger.load(path).records == ledger.records


@pytest.mark.parametrize(
    "text",
    [
        "nope",
        "[]",
        '{"format": "x", "records": []}',
        '{"format": "fedchain.gas-ledger/1", "records": [{"role": "p"}]}',
    ],
)
def test_malformed_json_is_refused(text: str) -> None:
    with pytest.raises(ConfigError):
        GasLedger.from_json(text)


def test_concurrent_records_are_all_kept() -> None:
    ledger = GasLedger()

    def work(offset: int) -> None:
        for n in range(200):
            ledger.record(_record("p", "x", 1, offset + n))

    threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ledger) == 1600 and ledger.total() == 1600


def test_rich_table_renders_every_group() -> None:
    ledger = GasLedger([_record("participant", "commit", 28_370), _record("aggregator", "s", 1)])
    console = Console(width=120, record=True)
    console.print(gas_table(ledger))
    text = console.export_text()
    assert "participant" in text and "28,370" in text and "aggregator" in text
    console.print(gas_table(ledger, by_function=True))
    assert "function" in console.export_text()


def test_clear() -> None:
    ledger = GasLedger([_record("p", "x", 1)])
    ledger.clear()
    assert ledger.records == () and ledger.summary() == []
