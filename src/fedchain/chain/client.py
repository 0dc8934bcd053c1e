"""The deployed fedchain contracts, bound to a transactor and a signer: what nodes, the CLI and tests use.

Examples
--------
>>> from fedchain.chain import EmbeddedBackend, Transactor
>>> chain = EmbeddedBackend()
>>> owner = chain.funded_signer()
>>> tx = Transactor(chain.w3, owner, role="owner")
>>> fc = Fedchain(chain.w3, deploy_all(tx, owner), tx, owner, role="owner")
>>> fc.coordinator.task_count()
0
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from eth_abi.abi import encode
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from fedchain.chain.accounts import Signer
from fedchain.chain.bindings import (
    ConsentLedger,
    Coordinator,
    FedToken,
    ModelRegistry,
    ParticipantRegistry,
    StakeVault,
)
from fedchain.chain.bindings._base import BoundContract
from fedchain.chain.bindings.coordinator import Phase
from fedchain.chain.deploy import (
    DEFAULT_ADMIN_ROLE,
    OPERATOR_ROLE,
    Deployment,
    link_bytecode,
    linked_libraries,
    load_artifact,
)
from fedchain.chain.tx import Transactor
from fedchain.exceptions import ConfigError, DeploymentError

B = TypeVar("B", bound=BoundContract)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_SETTLED_BY_TRANSACTION = frozenset({Phase.FINALIZED, Phase.REJECTED, Phase.FAILED})
TERMINAL_PHASES = frozenset({Phase.FINALIZED, Phase.REJECTED, Phase.ABORTED, Phase.FAILED})
"""Phases a round never leaves."""


def commitment(
    task: int, round_number: int, member: str, update_hash: bytes, num_examples: int, salt: bytes
) -> bytes:
    """``keccak256(abi.encode(task, round, member, updateHash, numExamples, salt))``, as the coordinator
    checks it: the example count (the update's weight) is committed with the update, so a member that reveals
    last cannot choose it after seeing the others."""
    if len(update_hash) != 32 or len(salt) != 32:
        raise ConfigError("update hash and salt must be 32 bytes each")
    types = ["uint256", "uint256", "address", "bytes32", "uint256", "bytes32"]
    values = [task, round_number, to_checksum_address(member), update_hash, num_examples, salt]
    return keccak(encode(types, values))


def initial_reveal_digest(task: int, round_number: int) -> bytes:
    """A round's reveal digest before any reveal: ``keccak256(abi.encode(task, round))`` (the
    coordinator's)."""
    return keccak(encode(["uint256", "uint256"], [task, round_number]))


def next_reveal_digest(previous: bytes, member: str, update_hash: bytes, num_examples: int) -> bytes:
    """One step of the round's running reveal digest: ``keccak256(abi.encode(prev, member, updateHash,
    numExamples))``."""
    types = ["bytes32", "address", "bytes32", "uint256"]
    return keccak(encode(types, [previous, to_checksum_address(member), update_hash, num_examples]))


def deploy_all(
    tx: Transactor,
    deployer: Signer,
    *,
    token: str | None = None,
    mint: Mapping[str, int] | None = None,
) -> Deployment:
    """Deploy every contract, wire the coordinator in, and give up admin powers.

    The coordinator receives ``OPERATOR_ROLE`` on the vault, both registries and the consent ledger; then
    the deployer renounces ``DEFAULT_ADMIN_ROLE`` on those four, so no key can later grant itself the power
    to move stakes or rewrite the model registry. With ``token=None`` a ``FedToken`` is deployed (the
    deployer keeps its minter role, for devnets) and ``mint`` credits accounts; with an existing ERC-20
    address, ``mint`` must be empty.
    """
    role = "deployer"
    first_block = tx.w3.eth.block_number + 1
    addresses: dict[str, str] = {}

    def deploy(name: str, *args: object) -> ChecksumAddress:
        art = load_artifact(name)
        for library in linked_libraries(art):
            if library not in addresses:
                deploy(library)
        contract, _ = tx.deploy(art["abi"], link_bytecode(art, addresses), *args, signer=deployer, role=role)
        addresses[name] = contract.address
        return ChecksumAddress(contract.address)

    admin = deployer.address
    if token is None:
        token_address = deploy("FedToken", admin)
    else:
        if mint:
            raise ConfigError("cannot mint an existing token; fund the accounts yourself")
        token_address = to_checksum_address(token)
        addresses["FedToken"] = token_address
    vault = deploy("StakeVault", token_address, admin)
    registry = deploy("ParticipantRegistry", admin)
    models = deploy("ModelRegistry", admin)
    consent = deploy("ConsentLedger", admin)
    deploy("Coordinator", vault, registry, models, consent)

    deployment = Deployment(
        chain_id=tx.w3.eth.chain_id, block=first_block, deployer=admin, contracts=addresses
    )
    fc = Fedchain(tx.w3, deployment, tx, deployer, role=role)
    for operated in (fc.vault, fc.registry, fc.models, fc.consent):
        operated.grant_role(OPERATOR_ROLE, fc.coordinator.address, phase="wire")
        operated.renounce_role(DEFAULT_ADMIN_ROLE, admin, phase="wire")
    for account, amount in (mint or {}).items():
        fc.token.mint(to_checksum_address(account), amount, phase="mint")
    return deployment


class _Lru(Generic[K, V]):
    """A small thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def items(self) -> list[tuple[K, V]]:
        with self._lock:
            return list(self._items.items())


class ChainFacts:
    """Immutable facts read from one deployment, shared by its views (:meth:`Fedchain.as_signer`).

    Only immutable facts are kept: the first block of a round (its opening block is mined), the phase of a
    round that can no longer move, and a round's events once the contract accepts no more of them. Nothing
    that can still change (a live round's phase, member activity, balances) is ever stored here; those are
    re-read at every step. Each map is a bounded LRU, so a long-running node does not grow without end.
    """

    def __init__(self, size: int = 1024) -> None:
        self._start_blocks: _Lru[int, int] = _Lru(size)
        self._settled: _Lru[tuple[int, int], Phase] = _Lru(16 * size)
        self._events: _Lru[tuple[str, int, int], tuple[Any, ...]] = _Lru(size)

    # -- the first block of a round --------------------------------------------------------------------

    def start_block(self, opened_at: int) -> int | None:
        """The first block whose timestamp is at least ``opened_at``, if known."""
        return self._start_blocks.get(opened_at)

    def start_block_bounds(self, opened_at: int) -> tuple[int | None, int | None]:
        """The known first blocks closest below and above ``opened_at`` (narrow a new search)."""
        low: int | None = None
        high: int | None = None
        for at, block in self._start_blocks.items():
            if at <= opened_at and (low is None or block > low):
                low = block
            if at >= opened_at and (high is None or block < high):
                high = block
        return low, high

    def set_start_block(self, opened_at: int, block: int) -> None:
        """Remember the first block with a timestamp at least ``opened_at`` (that block must be mined and
        confirmed to have such a timestamp: later blocks cannot change the answer)."""
        self._start_blocks.put(opened_at, block)

    # -- settled rounds --------------------------------------------------------------------------------

    def settled_phase(self, task: int, round_number: int) -> Phase | None:
        """The phase of a round that can no longer change, if it was seen settled."""
        return self._settled.get((task, round_number))

    def note_phase(self, task: int, round_number: int, phase: Phase, *, latest: bool) -> None:
        """Remember ``phase`` of a round if it can never change again.

        ``Finalized`` and ``Rejected`` are set by a transaction and never left. ``Aborted`` can be a view's
        simulation of an expired deadline, so it is only kept for a round that is not the task's latest
        (``latest=False``): a new round opens only once the previous one is settled in storage.
        """
        if phase in _SETTLED_BY_TRANSACTION or (not latest and phase in TERMINAL_PHASES):
            self._settled.put((task, round_number), phase)

    # -- a round's final events ------------------------------------------------------------------------

    def round_events(self, name: str, task: int, round_number: int) -> list[Any] | None:
        """The complete events ``name`` of a round, if they were read once no more could be emitted."""
        events = self._events.get((name, task, round_number))
        return None if events is None else list(events)

    def set_round_events(self, name: str, task: int, round_number: int, events: list[Any]) -> None:
        """Remember the complete events ``name`` of a round (the caller knows the contract accepts no
        more of them: the events are immutable, frozen dataclasses)."""
        self._events.put((name, task, round_number), tuple(events))


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for call arguments (lists and dicts become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, bytearray):
        return bytes(value)
    return value  # type: ignore[no-any-return]


class _ScopedReads:
    """The transactor the bindings of one :class:`Fedchain` use: the real one, plus the memo of
    :meth:`Fedchain.read_scope` (per thread). Any transaction empties the memo before and after it."""

    def __init__(self, tx: Transactor) -> None:
        self._tx = tx
        self._local = threading.local()

    @contextmanager
    def scope(self) -> Iterator[None]:
        outer = getattr(self._local, "memo", None)
        if outer is not None:  # nested: the outer scope's memo carries on
            yield
            return
        self._local.memo = {}
        try:
            yield
        finally:
            self._local.memo = None

    def _clear(self) -> None:
        memo: dict[Hashable, Any] | None = getattr(self._local, "memo", None)
        if memo is not None:
            memo.clear()

    def call(self, fn: ContractFunction, **kwargs: Any) -> Any:
        memo: dict[Hashable, Any] | None = getattr(self._local, "memo", None)
        if memo is None:
            return self._tx.call(fn, **kwargs)
        key = (fn.address, fn.abi_element_identifier, _frozen(fn.args), _frozen(fn.kwargs), _frozen(kwargs))
        if key not in memo:
            memo[key] = self._tx.call(fn, **kwargs)  # a revert raises and is not remembered
        return copy.deepcopy(memo[key])

    def transact(
        self, fn: ContractFunction, signer: Any, *, role: str, phase: str, value: int = 0
    ) -> TxReceipt:
        self._clear()
        try:
            return self._tx.transact(fn, signer, role=role, phase=phase, value=value)
        finally:
            self._clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


@dataclass
class Fedchain:
    """Typed bindings of every deployed contract, sending from ``signer`` and labelled ``role`` in the gas
    ledger. Use :meth:`as_signer` for another party sharing the same transactor (nonces, ledger).

    ``facts`` holds what the chain said that can never change (:class:`ChainFacts`); views made with
    :meth:`as_signer` share it. :meth:`read_scope` pins view results for the length of one node step.
    """

    w3: Web3
    deployment: Deployment
    tx: Transactor
    signer: Signer | None = None
    role: str = "client"
    facts: ChainFacts = field(default_factory=ChainFacts, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.deployment.chain_id != self.w3.eth.chain_id:
            raise DeploymentError(
                f"deployment is for chain {self.deployment.chain_id}, "
                f"connected to chain {self.w3.eth.chain_id}"
            )

        self._reads = _ScopedReads(self.tx)
        self.coordinator = self._bind(Coordinator)
        self.registry = self._bind(ParticipantRegistry)
        self.models = self._bind(ModelRegistry)
        self.consent = self._bind(ConsentLedger)
        self.vault = self._bind(StakeVault)
        self.token = self._bind(FedToken)

    def _bind(self, cls: type[B]) -> B:
        art = load_artifact(cls.CONTRACT_NAME)
        contract = self.w3.eth.contract(address=self.deployment.address(cls.CONTRACT_NAME), abi=art["abi"])
        self.tx.decoder.add_abi(art["abi"])
        return cls(contract, self._reads, self.signer, self.role)

    @property
    def address(self) -> ChecksumAddress:
        if self.signer is None:
            raise ConfigError("this Fedchain view has no signer")
        return self.signer.address

    def as_signer(self, signer: Signer, role: str) -> Fedchain:
        """The same deployment seen by another party (shares the transactor, its nonces and gas ledger)."""
        return Fedchain(self.w3, self.deployment, self.tx, signer, role, facts=self.facts)

    @contextmanager
    def read_scope(self) -> Iterator[None]:
        """Within the block, a view call repeated with the same arguments is answered from its first answer
        (no request), until this view sends a transaction, which empties the memo. One node step runs in one
        scope, so it decides on one consistent reading of the chain and reads each value once; nothing is
        kept after the block. Nested scopes share the outermost one's memo.
        """
        with self._reads.scope():
            yield
