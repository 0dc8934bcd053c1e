"""Gas accounting: one record per mined transaction, summaries by role and phase.

The :class:`~fedchain.chain.tx.Transactor` records every transaction it mines (successful or
not) with the ``role`` (who: ``"participant"``, ``"aggregator"``, ...) and ``phase`` (when:
``"commit"``, ``"reveal"``, ...) its caller passed, so benchmarks can report what each role
pays per round and audits can replay the list from a JSON file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fedchain.chain._files import atomic_write_text
from fedchain.exceptions import ConfigError

if TYPE_CHECKING:
    from rich.table import Table

LEDGER_FORMAT: Final = "fedchain.gas-ledger/1"
"""Value of the ``format`` field of :meth:`GasLedger.to_json` output."""


@dataclass(frozen=True)
class GasRecord:
    """One mined transaction.

    Attributes
    ----------
    role, phase:
        Caller-supplied labels.
    function:
        Contract function name (``"constructor"`` for deployments, ``"transfer"`` for plain
        ether transfers).
    contract:
        Address of the called (or created) contract; the recipient of a transfer.
    gas_used:
        Gas the transaction consumed (from the receipt).
    tx_hash:
        ``0x``-prefixed transaction hash.
    block:
        Block number it was mined in.
    status:
        Receipt status: 1 success, 0 reverted.
    effective_gas_price:
        Wei paid per gas unit (0 when the receipt does not say).
    contract_name:
        Name the transactor knows the contract by (``Transactor.deploy(..., name=...)`` or
        :meth:`~fedchain.chain.tx.Transactor.name_contract`), else empty.
    """

    role: str
    phase: str
    function: str
    contract: str
    gas_used: int
    tx_hash: str
    block: int
    status: int = 1
    effective_gas_price: int = 0
    contract_name: str = ""

    @property
    def fee_wei(self) -> int:
        """Total fee paid, in wei."""
        return self.gas_used * self.effective_gas_price


@dataclass(frozen=True)
class GasSummaryRow:
    """Aggregate of the records sharing one ``(role, phase)`` (and ``function``, if asked)."""

    role: str
    phase: str
    count: int
    total: int
    mean: float
    max: int
    function: str = ""


class GasLedger:
    """A thread-safe, append-only list of :class:`GasRecord`.

    Examples
    --------
    >>> ledger = GasLedger()
    >>> ledger.record(GasRecord("participant", "commit", "commit", "0xC0", 50_000, "0x01", 5))
    >>> ledger.record(GasRecord("participant", "commit", "commit", "0xC0", 52_000, "0x02", 6))
    >>> [(r.role, r.phase, r.count, r.total, r.mean, r.max) for r in ledger.summary()]
    [('participant', 'commit', 2, 102000, 51000.0, 52000)]
    >>> GasLedger.from_json(ledger.to_json()).records == ledger.records
    True
    """

    def __init__(self, records: Iterable[GasRecord] = ()) -> None:
        self._lock = threading.Lock()
        self._records: list[GasRecord] = list(records)

    def record(self, entry: GasRecord) -> None:
        """Append one record."""
        with self._lock:
            self._records.append(entry)

    @property
    def records(self) -> tuple[GasRecord, ...]:
        """A snapshot of every record, in the order they were added."""
        with self._lock:
            return tuple(self._records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[GasRecord]:
        return iter(self.records)

    def total(self, *, role: str | None = None, phase: str | None = None) -> int:
        """Gas used by all records matching the given labels."""
        return sum(
            r.gas_used
            for r in self.records
            if (role is None or r.role == role) and (phase is None or r.phase == phase)
        )

    def summary(self, *, by_function: bool = False) -> list[GasSummaryRow]:
        """Count, total, mean and max gas per ``(role, phase)``, sorted by role then phase;
        with ``by_function``, per ``(role, phase, function)``."""
        groups: dict[tuple[str, str, str], list[int]] = {}
        for r in self.records:
            key = (r.role, r.phase, r.function if by_function else "")
            groups.setdefault(key, []).append(r.gas_used)
        return [
            GasSummaryRow(role, phase, len(gas), sum(gas), sum(gas) / len(gas), max(gas), function)
            for (role, phase, function), gas in sorted(groups.items())
        ]

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()

    # -- persistence -------------------------------------------------------------------------------

    def to_json(self) -> str:
        """Serialise to a JSON document (``{"format": ..., "records": [...]}``)."""
        doc = {"format": LEDGER_FORMAT, "records": [asdict(r) for r in self.records]}
        return json.dumps(doc, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GasLedger:
        """Parse :meth:`to_json` output; :class:`~fedchain.exceptions.ConfigError` if invalid."""
        try:
            doc: Any = json.loads(text)
            if doc.get("format") != LEDGER_FORMAT:
                raise ConfigError(f"not a gas ledger (format {doc.get('format')!r})")
            names = {f.name for f in fields(GasRecord)}
            records = [GasRecord(**{k: v for k, v in r.items() if k in names}) for r in doc["records"]]
        except ConfigError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(f"malformed gas ledger: {exc}") from exc
        return cls(records)

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` atomically."""
        return atomic_write_text(Path(path), self.to_json() + "\n")

    @classmethod
    def load(cls, path: str | Path) -> GasLedger:
        """Read a ledger saved with :meth:`save`."""
        return cls.from_json(Path(path).read_text())


def gas_table(ledger: GasLedger, title: str = "Gas by role and phase", *, by_function: bool = False) -> Table:
    """A ``rich`` table of :meth:`GasLedger.summary`, ready for ``Console().print``."""
    from rich.table import Table

    table = Table(title=title)
    keys = ["role", "phase", *(["function"] if by_function else [])]
    for name in keys:
        table.add_column(name)
    for name in ("txs", "total gas", "mean gas", "max gas"):
        table.add_column(name, justify="right")
    for row in ledger.summary(by_function=by_function):
        labels = [row.role, row.phase, *([row.function] if by_function else [])]
        table.add_row(*labels, str(row.count), f"{row.total:,}", f"{row.mean:,.0f}", f"{row.max:,}")
    return table


__all__ = ["LEDGER_FORMAT", "GasLedger", "GasRecord", "GasSummaryRow", "gas_table"]
