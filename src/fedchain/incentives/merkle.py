"""Reward Merkle sum trees, as the coordinator's ``RewardTree`` library verifies them.

A round's rewards are a list of ``(account, amount)`` pairs. The aggregator publishes only the root and the
total on-chain; each account claims its amount with a proof. A plain Merkle tree cannot bound the sum of its
leaves, so an aggregator could publish leaves that add up to more than the round pays and leave the last
claimers with nothing. In a *sum* tree every node commits to its children's hashes and to the sums of the
amounts beneath each, so the root fixes the total: the coordinator accepts a claim only when its proof leads
to the root with a total of exactly the round's ``rewardTotal``, so no set of claims can add up to more.

- leaf: ``keccak256(abi.encode(account, amount))`` (64 bytes hashed), sum ``amount``;
- node of children ``(a, sa)`` and ``(b, sb)`` ordered by hash (``a < b``): ``keccak256(abi.encode(a, sa,
  b, sb))`` (128 bytes hashed: a node is never taken for a leaf), sum ``sa + sb``. Both children's sums are
  bound, not only their total (a tree hashing only the total lets a prover shift value between subtrees:
  Maxwell's sum-tree flaw);
- the layout is OpenZeppelin's ``StandardMerkleTree`` (leaves sorted by hash at the end of a flat array, root
  at 0); verification does not depend on it, since pairs are hashed sorted.

Written here because no maintained Python package implements this tree; it is a few pure functions over
``eth_abi`` and ``eth_utils``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from fedchain.exceptions import ConfigError

_MAX_AMOUNT = 2**256


class SumNode(NamedTuple):
    """A node of the sum tree, and a proof element: a hash and the sum of the amounts beneath it."""

    hash: bytes
    sum: int

    def to_abi(self) -> tuple[bytes, int]:
        """The ``(bytes32, uint256)`` tuple of the coordinator's ``RewardTree.Node``."""
        return (self.hash, self.sum)


def leaf_hash(account: str, amount: int) -> bytes:
    """The leaf of ``(address account, uint256 amount)``."""
    if amount < 0 or amount >= _MAX_AMOUNT:
        raise ConfigError(f"reward amount out of uint256 range: {amount}")
    return keccak(encode(["address", "uint256"], [to_checksum_address(account), amount]))


def parent(a: SumNode, b: SumNode) -> SumNode:
    """The node above ``a`` and ``b`` (``RewardTree.parent``)."""
    first, second = (a, b) if a.hash < b.hash else (b, a)
    digest = keccak(encode(["bytes32", "uint256", "bytes32", "uint256"], [*first, *second]))
    return SumNode(digest, a.sum + b.sum)


def root_of(account: str, amount: int, proof: Sequence[SumNode]) -> SumNode:
    """The root (hash and total) that ``proof`` leads to from the leaf of ``(account, amount)``: what the
    coordinator computes for a claim (``RewardTree.rootOf``)."""
    node = SumNode(leaf_hash(account, amount), amount)
    for sibling in proof:
        node = parent(node, sibling)
    return node


def verify_proof(root: bytes, total: int, account: str, amount: int, proof: Sequence[SumNode]) -> bool:
    """Whether the coordinator would accept the claim: ``proof`` leads to ``root`` with exactly ``total``."""
    return root_of(account, amount, proof) == SumNode(root, total)


@dataclass(frozen=True)
class RewardTree:
    """A built reward tree.

    Examples
    --------
    >>> tree = RewardTree.build([("0x" + "11" * 20, 5), ("0x" + "22" * 20, 7)])
    >>> tree.total
    12
    >>> verify_proof(tree.root, 12, "0x" + "22" * 20, 7, tree.proof("0x" + "22" * 20))
    True
    >>> verify_proof(tree.root, 12, "0x" + "22" * 20, 8, tree.proof("0x" + "22" * 20))
    False
    """

    entries: tuple[tuple[str, int], ...]  # (checksum account, amount) in input order
    nodes: tuple[SumNode, ...]  # the flat array: root at 0, leaves at the end
    leaf_positions: dict[str, int]  # account -> index into nodes

    @classmethod
    def build(cls, rewards: Iterable[tuple[str, int]]) -> RewardTree:
        """Build from ``(account, amount)`` pairs; accounts must be distinct and the list non-empty."""
        entries = tuple((to_checksum_address(a), int(v)) for a, v in rewards)
        if not entries:
            raise ConfigError("a reward tree needs at least one entry")
        accounts = [a for a, _ in entries]
        if len(set(accounts)) != len(accounts):
            raise ConfigError("an account appears twice in the reward list")
        if sum(v for _, v in entries) >= _MAX_AMOUNT:
            raise ConfigError("the rewards add up to more than a uint256")
        hashed = sorted(((SumNode(leaf_hash(a, v), v), a) for a, v in entries), key=lambda na: na[0].hash)
        size = 2 * len(hashed) - 1
        nodes: list[SumNode] = [SumNode(b"", 0)] * size
        positions: dict[str, int] = {}
        for i, (node, account) in enumerate(hashed):
            nodes[size - 1 - i] = node
            positions[account] = size - 1 - i
        for i in range(size - 1 - len(hashed), -1, -1):
            nodes[i] = parent(nodes[2 * i + 1], nodes[2 * i + 2])
        return cls(entries=entries, nodes=tuple(nodes), leaf_positions=positions)

    @property
    def root(self) -> bytes:
        return self.nodes[0].hash

    @property
    def total(self) -> int:
        """The sum of every amount: the root's sum, the round's ``rewardTotal``."""
        return self.nodes[0].sum

    def amount(self, account: str) -> int:
        """The amount owed to ``account`` (0 when absent)."""
        return dict(self.entries).get(to_checksum_address(account), 0)

    def proof(self, account: str) -> list[SumNode]:
        """Siblings (hash and sum) from the account's leaf up to the root."""
        try:
            i = self.leaf_positions[to_checksum_address(account)]
        except KeyError:
            raise ConfigError(f"{account} is not in the reward tree") from None
        proof: list[SumNode] = []
        while i > 0:
            sibling = i - 1 if i % 2 == 0 else i + 1
            proof.append(self.nodes[sibling])
            i = (i - 1) // 2
        return proof
