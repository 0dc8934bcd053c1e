"""Reward sum trees: the coordinator's ``RewardTree`` (a known-answer vector shared with the Foundry test
``Coordinator.t.sol::test_RewardTreeKnownAnswer``), and the property that makes over-allocation impossible."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError
from fedchain.incentives.merkle import RewardTree, SumNode, leaf_hash, parent, root_of, verify_proof

VALUES = [
    ("0x1111111111111111111111111111111111111111", 5 * 10**18),
    ("0x2222222222222222222222222222222222222222", 25 * 10**17),
    ("0x3333333333333333333333333333333333333333", 1),
]
# RewardTree of VALUES[:2], as Solidity's RewardTree library computes it (pinned in the Foundry test too).
ROOT_2 = "8ab980e63dff72d6890719bac5469ea2602aa24dafea4d40d61b4575423b4624"


def test_known_answer_matches_the_definition_and_the_solidity_vector() -> None:
    (a, va), (b, vb) = VALUES[:2]
    la = keccak(encode(["address", "uint256"], [a, va]))
    lb = keccak(encode(["address", "uint256"], [b, vb]))
    assert leaf_hash(a, va) == la
    first, second = sorted([(la, va), (lb, vb)])
    expected = keccak(encode(["bytes32", "uint256", "bytes32", "uint256"], [*first, *second]))
    tree = RewardTree.build(VALUES[:2])
    assert tree.root == expected and tree.root.hex() == ROOT_2
    assert tree.total == va + vb
    assert tree.proof(a) == [SumNode(lb, vb)]
    three = RewardTree.build(VALUES)
    assert three.total == sum(v for _, v in VALUES)
    for account, amount in VALUES:
        assert verify_proof(three.root, three.total, account, amount, three.proof(account))


accounts = st.lists(st.binary(min_size=20, max_size=20), min_size=1, max_size=40, unique=True).map(
    lambda xs: ["0x" + x.hex() for x in xs]
)


@given(accounts, st.data())
def test_every_proof_verifies_and_no_other_amount_does(addrs: list[str], data: st.DataObject) -> None:
    amounts = data.draw(st.lists(st.integers(0, 2**128), min_size=len(addrs), max_size=len(addrs)))
    tree = RewardTree.build(zip(addrs, amounts, strict=True))
    assert tree.total == sum(amounts)
    for account, amount in zip(addrs, amounts, strict=True):
        proof = tree.proof(account)
        assert verify_proof(tree.root, tree.total, account, amount, proof)
        assert not verify_proof(tree.root, tree.total, account, amount + 1, proof)
        assert not verify_proof(tree.root, tree.total - 1, account, amount, proof)


@given(accounts, st.data())
def test_a_forged_sibling_sum_never_leads_to_the_root(addrs: list[str], data: st.DataObject) -> None:
    """Over-allocation: to claim more than the tree pays, a claimant would have to present a sibling with a
    smaller sum than it has; the sum is bound in the parent's hash, so the root changes."""
    amounts = data.draw(st.lists(st.integers(1, 2**64), min_size=len(addrs), max_size=len(addrs)))
    tree = RewardTree.build(zip(addrs, amounts, strict=True))
    i = data.draw(st.integers(0, len(addrs) - 1))
    proof = tree.proof(addrs[i])
    if not proof:
        return
    k = data.draw(st.integers(0, len(proof) - 1))
    lie = data.draw(st.integers(0, 2**64).filter(lambda x: x != proof[k].sum))
    forged = [*proof[:k], SumNode(proof[k].hash, lie), *proof[k + 1 :]]
    assert root_of(addrs[i], amounts[i], forged).hash != tree.root


def test_parent_is_symmetric() -> None:
    a, b = SumNode(b"\x01" * 32, 3), SumNode(b"\x02" * 32, 4)
    assert parent(a, b) == parent(b, a) and parent(a, b).sum == 7


def test_bad_input_is_refused() -> None:
    with pytest.raises(ConfigError):
        RewardTree.build([])
    with pytest.raises(ConfigError):
        RewardTree.build([(VALUES[0][0], 1), (VALUES[0][0].lower(), 2)])
    with pytest.raises(ConfigError):
        RewardTree.build([(VALUES[0][0], -1)])
    with pytest.raises(ConfigError):
        RewardTree.build(VALUES[:2]).proof(VALUES[2][0])
