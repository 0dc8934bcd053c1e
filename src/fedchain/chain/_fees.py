"""Fee fields for a transaction: EIP-1559 where the chain has a base fee, legacy otherwise."""

from __future__ import annotations

from typing import Final

from web3 import Web3
from web3.types import TxParams, Wei

DEFAULT_PRIORITY_FEE: Final = 10**9
"""Priority fee (1 gwei) used when the node cannot suggest one."""


def fee_params(w3: Web3) -> TxParams:
    """``maxFeePerGas`` (twice the base fee plus the tip) and ``maxPriorityFeePerGas``, or a
    legacy ``gasPrice`` on chains without a base fee (pre-London)."""
    base_fee = w3.eth.get_block("latest").get("baseFeePerGas")
    if base_fee is None:
        return {"gasPrice": w3.eth.gas_price}
    try:
        tip = int(w3.eth.max_priority_fee)
    except Exception:  # not every node implements eth_maxPriorityFeePerGas / eth_feeHistory
        tip = DEFAULT_PRIORITY_FEE
    return {"maxFeePerGas": Wei(2 * int(base_fee) + tip), "maxPriorityFeePerGas": Wei(tip)}
