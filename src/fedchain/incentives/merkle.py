"""Reward Merkle trees, compatible with OpenZeppelin's ``StandardMerkleTree`` (``@openzeppelin/merkle-tree``).

A round's rewards are a list of ``(account, amount)`` pairs. The aggregator publishes only the root
on-chain; each account claims its amount with a proof, verified by OpenZeppelin's ``MerkleProof`` in the
coordinator. Leaves are ``keccak256(bytes.concat(keccak256(abi.encode(account, amount))))`` (double hashing
rules out second pre-images with 64-byte inner nodes), pairs are hashed sorted, and the tree layout is the
one of the JS library, so the same root comes out of either implementation (tests pin vectors produced by
``@openzeppelin/merkle-tree``).

Written here rather than imported because no maintained Python package implements the standard tree; it is a
few pure functions over ``eth_abi`` and ``eth_utils``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from fedchain.exceptions import ConfigError


def leaf_hash(account: str, amount: int) -> bytes:
    """The standard leaf of ``(address account, uint256 amount)``."""
    if amount < 0 or amount >= 2**256:
        raise ConfigError(f"reward amount out of uint256 range: {amount}")
    return keccak(keccak(encode(["address", "uint256"], [to_checksum_address(account), amount])))


def _hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def verify_proof(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
    """What ``MerkleProof.verify`` computes on-chain."""
    node = leaf
    for sibling in proof:
        node = _hash_pair(node, sibling)
    return node == root


@dataclass(frozen=True)
class RewardTree:
    """A built reward tree.

    Examples
    --------
    >>> tree = RewardTree.build([("0x" + "11" * 20, 5), ("0x" + "22" * 20, 7)])
    >>> tree.total
    12
    >>> verify_proof(tree.root, leaf_hash("0x" + "22" * 20, 7), tree.proof("0x" + "22" * 20))
    True
    """

    entries: tuple[tuple[str, int], ...]  # (checksum account, amount) in input order
    nodes: tuple[bytes, ...]  # the JS library's flat array: root at 0, leaves at the end
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
        hashed = sorted(((leaf_hash(a, v), a) for a, v in entries), key=lambda hv: hv[0])
        size = 2 * len(hashed) - 1
        nodes: list[bytes] = [b""] * size
        positions: dict[str, int] = {}
        for i, (h, account) in enumerate(hashed):
            nodes[size - 1 - i] = h
            positions[account] = size - 1 - i
        for i in range(size - 1 - len(hashed), -1, -1):
            nodes[i] = _hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
        return cls(entries=entries, nodes=tuple(nodes), leaf_positions=positions)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    @property
    def total(self) -> int:
        return sum(v for _, v in self.entries)

    def amount(self, account: str) -> int:
        """The amount owed to ``account`` (0 when absent)."""
        return dict(self.entries).get(to_checksum_address(account), 0)

    def proof(self, account: str) -> list[bytes]:
        """Sibling hashes from the account's leaf up to the root."""
        try:
            i = self.leaf_positions[to_checksum_address(account)]
        except KeyError:
            raise ConfigError(f"{account} is not in the reward tree") from None
        proof: list[bytes] = []
        while i > 0:
            sibling = i - 1 if i % 2 == 0 else i + 1
            proof.append(self.nodes[sibling])
            i = (i - 1) // 2
        return proof
