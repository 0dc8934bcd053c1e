"""Reward trees match OpenZeppelin's StandardMerkleTree (vectors from @openzeppelin/merkle-tree 1.x)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError
from fedchain.incentives.merkle import RewardTree, leaf_hash, verify_proof

VALUES = [
    ("0x1111111111111111111111111111111111111111", 5 * 10**18),
    ("0x2222222222222222222222222222222222222222", 25 * 10**17),
    ("0x3333333333333333333333333333333333333333", 1),
    ("0x4444444444444444444444444444444444444444", 0),
    ("0x5555555555555555555555555555555555555555", 123456789),
]

# StandardMerkleTree.of(VALUES[:n], ["address", "uint256"]): root and getProof(i) for each i.
VECTORS = {
    1: ("eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283", [[]]),
    2: (
        "d4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77",
        [
            ["b92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc"],
            ["eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283"],
        ],
    ),
    3: (
        "d673f832e8ae578ea16450035956e30f27212b91d6cd26edbef07c90546302ff",
        [
            ["8d00bd8d33bd92e6ade0ba2d87958d59727515200df528502b93c99dd3fa0256"],
            [
                "c3d2e29c8ded2ca4aa700f83273d097a3fb1683f4b5f291a8ee7d74ff26fc6b3",
                "eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
            ],
            [
                "b92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
                "eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
            ],
        ],
    ),
    5: (
        "1966b938287fc0c539f3abe9f35351594db895f6dd2796a9b316d2537ce51f13",
        [
            [
                "78c26a5cf027c0cb375ca6c9390ad769ea642a8f9efd9ee8552a33936b65f538",
                "8d00bd8d33bd92e6ade0ba2d87958d59727515200df528502b93c99dd3fa0256",
            ],
            [
                "c3d2e29c8ded2ca4aa700f83273d097a3fb1683f4b5f291a8ee7d74ff26fc6b3",
                "378a61f2c68a8708ae5f478a1a4b1b8bebb96c92d2efb72e1b89c3d33d84331b",
            ],
            [
                "b92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
                "378a61f2c68a8708ae5f478a1a4b1b8bebb96c92d2efb72e1b89c3d33d84331b",
            ],
            [
                "52c0069c93a8515a7d1b8fe060081bf419c6c5b44ef2610c2d6c2ab84e352e50",
                "eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
                "8d00bd8d33bd92e6ade0ba2d87958d59727515200df528502b93c99dd3fa0256",
            ],
            [
                "6b66955d20be1d7a26a7700e4e38f64c33d50c2bbf2fd066d72bc6e36554a695",
                "eb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
                "8d00bd8d33bd92e6ade0ba2d87958d59727515200df528502b93c99dd3fa0256",
            ],
        ],
    ),
}


@pytest.mark.parametrize("n", sorted(VECTORS))
def test_matches_openzeppelin_standard_merkle_tree(n: int) -> None:
    root, proofs = VECTORS[n]
    tree = RewardTree.build(VALUES[:n])
    assert tree.root.hex() == root
    for (account, _), proof in zip(VALUES[:n], proofs, strict=True):
        assert [p.hex() for p in tree.proof(account)] == proof


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
        assert verify_proof(tree.root, leaf_hash(account, amount), proof)
        assert not verify_proof(tree.root, leaf_hash(account, amount + 1), proof)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ConfigError):
        RewardTree.build([])
    with pytest.raises(ConfigError):
        RewardTree.build([(VALUES[0][0], 1), (VALUES[0][0].lower(), 2)])
    with pytest.raises(ConfigError):
        RewardTree.build([(VALUES[0][0], -1)])
    with pytest.raises(ConfigError):
        RewardTree.build(VALUES[:2]).proof(VALUES[3][0])
