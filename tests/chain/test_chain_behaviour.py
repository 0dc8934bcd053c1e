"""One behaviour suite, run against every backend (embedded py-evm and an anvil devnet)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from web3.contract import Contract

from fedchain.chain import (
    ChainBackend,
    EmptyRevertError,
    NonceManager,
    OutOfGasError,
    PanicCodeError,
    RevertReasonError,
    Signer,
    TransactionError,
    Transactor,
    error_class,
)
from fedchain.exceptions import ContractCustomError, ContractError, ContractPanicError

# -- deploy, transact, call ------------------------------------------------------------------------


def test_deploy_returns_a_bound_contract_and_a_receipt(
    transactor: Transactor, fixture_artifact: dict[str, Any]
) -> None:
    contract, receipt = transactor.deploy(
        fixture_artifact["abi"], fixture_artifact["bytecode"], 7, phase="setup"
    )
    assert receipt["status"] == 1
    assert contract.address == receipt["contractAddress"]
    assert transactor.call(contract.functions.count()) == 7


def test_transact_changes_state_and_returns_the_receipt(
    transactor: Transactor, fixture_contract: Contract
) -> None:
    receipt = transactor.transact(fixture_contract.functions.increment(3), phase="work")
    assert receipt["status"] == 1
    assert receipt["from"] == transactor.address
    assert transactor.call(fixture_contract.functions.count()) == 8


def test_payable_function_receives_value(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    transactor.transact(fixture_contract.functions.pay(), phase="pay", value=12345)
    assert backend.balance(fixture_contract.address) == 12345


def test_send_value_moves_ether(backend: ChainBackend, transactor: Transactor) -> None:
    bob = Signer.generate()
    transactor.send_value(bob.address, 10**15, phase="pay")
    assert backend.balance(bob.address) == 10**15


def test_signer_can_be_given_per_call(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    shared = Transactor(backend.w3)  # no default signer
    other = backend.funded_signer()
    receipt = shared.transact(fixture_contract.functions.increment(1), other, phase="work")
    assert receipt["from"] == other.address
    with pytest.raises(ValueError, match="no signer"):
        shared.transact(fixture_contract.functions.increment(1), phase="work")


def test_call_uses_the_signer_as_msg_sender(transactor: Transactor, fixture_contract: Contract) -> None:
    with pytest.raises(ContractCustomError) as info:
        transactor.call(fixture_contract.functions.failMixed(b"\x00" * 32, "", []))
    assert info.value.error_args["who"] == transactor.address


def test_cancun_opcodes_run(transactor: Transactor, fixture_contract: Contract) -> None:
    transient, copy, randao = transactor.call(fixture_contract.functions.cancun(b"ab"))
    assert (transient, copy) == (42, b"abab")
    assert isinstance(randao, int)


# -- typed reverts ---------------------------------------------------------------------------------


def test_custom_error_from_call_is_typed_with_arguments(
    transactor: Transactor, fixture_contract: Contract
) -> None:
    too_large = error_class("FixtureTooLarge")
    with pytest.raises(too_large) as info:
        transactor.call(fixture_contract.functions.increment(1000))
    err = info.value
    assert isinstance(err, ContractCustomError)
    assert type(err).__name__ == "FixtureTooLarge"
    assert err.error_name == "FixtureTooLarge"
    assert err.error_args == {"value": 1000, "limit": 100}
    assert list(err.error_args) == ["value", "limit"]  # declaration order
    assert str(err) == "FixtureTooLarge(value=1000, limit=100)"


def test_custom_error_from_transact_is_caught_before_sending(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    before = backend.block_number()
    with pytest.raises(ContractCustomError) as info:
        transactor.transact(fixture_contract.functions.increment(101), phase="work")
    assert info.value.error_args == {"value": 101, "limit": 100}
    assert any("gas estimate" in note for note in info.value.__notes__)
    assert backend.block_number() == before  # nothing was mined


def test_custom_error_with_every_argument_shape(transactor: Transactor, fixture_contract: Contract) -> None:
    tag = bytes(range(32))
    with pytest.raises(error_class("FixtureMixed")) as info:
        transactor.call(fixture_contract.functions.failMixed(tag, "héllo", [1, 2, 3]))
    assert info.value.error_args == {
        "who": transactor.address,
        "tag": tag,
        "note": "héllo",
        "flag": True,
        "values": (1, 2, 3),
    }


def test_custom_error_with_one_string_argument_is_not_a_reason_string(
    transactor: Transactor, fixture_contract: Contract
) -> None:
    # Its data has the same layout as Error(string), only the selector differs.
    for attempt in (
        lambda: transactor.call(fixture_contract.functions.failLabel("hello")),
        lambda: transactor.transact(fixture_contract.functions.failLabel("hello"), phase="x"),
    ):
        with pytest.raises(error_class("FixtureLabel")) as info:
            attempt()
        assert info.value.error_args == {"label": "hello"}


def test_custom_error_without_arguments(transactor: Transactor, fixture_contract: Contract) -> None:
    with pytest.raises(error_class("FixtureNoArgs")) as info:
        transactor.transact(fixture_contract.functions.failNoArgs(), phase="work")
    assert info.value.error_args == {}


def test_require_string_becomes_a_reason_error(transactor: Transactor, fixture_contract: Contract) -> None:
    for attempt in (
        lambda: transactor.call(fixture_contract.functions.requireSmall(10)),
        lambda: transactor.transact(fixture_contract.functions.requireSmall(10), phase="x"),
    ):
        with pytest.raises(RevertReasonError) as info:
            attempt()
        assert info.value.reason == "Fixture: amount too large"
        assert isinstance(info.value, ContractPanicError)


@pytest.mark.parametrize(
    ("call", "code"),
    [(lambda c: c.functions.divide(1, 0), 0x12), (lambda c: c.functions.failAssert(), 0x01)],
    ids=["division-by-zero", "assert"],
)
def test_panic_carries_code_and_meaning(
    transactor: Transactor, fixture_contract: Contract, call: Any, code: int
) -> None:
    with pytest.raises(PanicCodeError) as from_call:
        transactor.call(call(fixture_contract))
    with pytest.raises(PanicCodeError) as from_transact:
        transactor.transact(call(fixture_contract), phase="x")
    for err in (from_call.value, from_transact.value):
        assert err.code == code
        assert err.meaning
        assert isinstance(err, ContractPanicError)


def test_empty_revert(transactor: Transactor, fixture_contract: Contract) -> None:
    with pytest.raises(EmptyRevertError):
        transactor.call(fixture_contract.functions.failEmpty())
    with pytest.raises(EmptyRevertError):
        transactor.transact(fixture_contract.functions.failEmpty(), phase="x")


def test_mined_revert_is_replayed_and_decoded(transactor: Transactor, fixture_contract: Contract) -> None:
    # An explicit gas limit skips the estimate, so the transaction is mined with status 0.
    with pytest.raises(error_class("FixtureTooLarge")) as info:
        transactor.transact(fixture_contract.functions.incrementThenFail(4), phase="x", gas=200_000)
    assert info.value.error_args == {"value": 4, "limit": 0}
    assert any("status 0" in note for note in info.value.__notes__)
    assert transactor.call(fixture_contract.functions.count()) == 5  # rolled back
    failed = transactor.ledger.records[-1]
    assert (failed.function, failed.status) == ("incrementThenFail", 0)


def test_mined_revert_without_data_and_out_of_gas(transactor: Transactor, fixture_contract: Contract) -> None:
    with pytest.raises(EmptyRevertError) as empty:
        transactor.transact(fixture_contract.functions.failEmpty(), phase="x", gas=100_000)
    assert not isinstance(empty.value, OutOfGasError)
    with pytest.raises(OutOfGasError):
        transactor.transact(fixture_contract.functions.increment(1), phase="x", gas=22_000)
    assert [r.status for r in transactor.ledger.records[-2:]] == [0, 0]


def test_unfunded_sender_gets_a_transaction_error(backend: ChainBackend, fixture_contract: Contract) -> None:
    poor = Transactor(backend.w3, Signer.generate())
    with pytest.raises(TransactionError):
        poor.transact(fixture_contract.functions.increment(1), phase="x", gas=100_000)
    with pytest.raises(TransactionError):
        poor.send_value(Signer.generate().address, 1)


def test_every_revert_is_a_contract_error(transactor: Transactor, fixture_contract: Contract) -> None:
    functions = fixture_contract.functions
    for fn in (functions.increment(1000), functions.requireSmall(99), functions.divide(1, 0)):
        with pytest.raises(ContractError):
            transactor.call(fn)


# -- nonces ----------------------------------------------------------------------------------------


def test_many_sequential_transactions_use_consecutive_nonces(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    receipts = [transactor.transact(fixture_contract.functions.increment(1), phase="loop") for _ in range(8)]
    nonces = [backend.w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts]
    assert nonces == list(range(nonces[0], nonces[0] + 8))
    assert transactor.call(fixture_contract.functions.count()) == 13


def test_threads_share_one_sender_without_nonce_clashes(
    backend: ChainBackend, signer: Signer, transactor: Transactor, fixture_contract: Contract
) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                transactor.transact(fixture_contract.functions.increment(1), phase="threads")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert transactor.call(fixture_contract.functions.count()) == 5 + 12
    assert backend.w3.eth.get_transaction_count(signer.address) == 1 + 12  # +deploy


def test_stale_nonce_cache_resyncs(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    transactor.transact(fixture_contract.functions.increment(1), phase="x")
    # Another process (here: another transactor with its own cache) uses the same key.
    assert transactor.signer is not None
    intruder = Transactor(backend.w3, transactor.signer, nonces=NonceManager(backend.w3))
    intruder.transact(fixture_contract.functions.increment(1), phase="x")
    receipt = transactor.transact(fixture_contract.functions.increment(1), phase="x")
    assert receipt["status"] == 1
    assert transactor.call(fixture_contract.functions.count()) == 8


# -- gas ledger ------------------------------------------------------------------------------------


def test_gas_ledger_records_every_mined_transaction(
    transactor: Transactor, fixture_contract: Contract
) -> None:
    r1 = transactor.transact(fixture_contract.functions.increment(1), phase="commit")
    r2 = transactor.transact(fixture_contract.functions.increment(2), phase="reveal", role="agg")
    with pytest.raises(ContractCustomError):  # refused at estimate: nothing mined, no record
        transactor.transact(fixture_contract.functions.increment(1000), phase="commit")
    deploy, first, second = transactor.ledger.records
    assert (deploy.role, deploy.phase, deploy.function) == ("tester", "setup", "constructor")
    assert deploy.contract == fixture_contract.address
    assert (first.role, first.phase, first.function) == ("tester", "commit", "increment")
    assert (second.role, second.phase) == ("agg", "reveal")
    assert first.gas_used == r1["gasUsed"] and second.gas_used == r2["gasUsed"]
    assert first.tx_hash == r1["transactionHash"].to_0x_hex()
    assert first.block == r1["blockNumber"] and first.contract == fixture_contract.address
    assert first.effective_gas_price > 0 and first.status == 1
    rows = {(r.role, r.phase): r for r in transactor.ledger.summary()}
    assert rows["tester", "commit"].count == 1
    assert rows["agg", "reveal"].total == r2["gasUsed"]


def test_gas_records_carry_contract_names(
    transactor: Transactor, fixture_artifact: dict[str, Any], fixture_contract: Contract
) -> None:
    named, _ = transactor.deploy(fixture_artifact["abi"], fixture_artifact["bytecode"], 1, name="Counter")
    transactor.transact(named.functions.increment(1), phase="x")
    transactor.name_contract(fixture_contract.address, "Fixture")
    transactor.transact(fixture_contract.functions.increment(1), phase="x")
    names = [(r.function, r.contract_name) for r in transactor.ledger.records]
    assert names[-3:] == [("constructor", "Counter"), ("increment", "Counter"), ("increment", "Fixture")]
    assert names[0] == ("constructor", "")  # the unnamed fixture deployment


def test_gas_margin_covers_the_estimate(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    receipt = transactor.transact(fixture_contract.functions.increment(1), phase="x")
    sent = backend.w3.eth.get_transaction(receipt["transactionHash"])
    assert receipt["gasUsed"] < sent["gas"] <= receipt["gasUsed"] * 1.6


def test_dynamic_fee_transactions_are_sent(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    receipt = transactor.transact(fixture_contract.functions.increment(1), phase="x")
    sent = backend.w3.eth.get_transaction(receipt["transactionHash"])
    assert sent["type"] == 2
    assert sent["maxFeePerGas"] >= sent["maxPriorityFeePerGas"]


# -- time ------------------------------------------------------------------------------------------


def test_time_travel_passes_a_deadline(
    backend: ChainBackend, transactor: Transactor, fixture_contract: Contract
) -> None:
    transactor.transact(fixture_contract.functions.arm(3600), phase="x")
    with pytest.raises(error_class("FixtureTooEarly")) as info:
        transactor.call(fixture_contract.functions.afterDeadline())
    assert info.value.error_args["deadline"] > info.value.error_args["nowTs"]
    before = backend.timestamp()
    after = backend.advance_time(3600)
    assert after >= before + 3600
    assert transactor.call(fixture_contract.functions.afterDeadline()) is True


def test_mine_adds_blocks(backend: ChainBackend) -> None:
    start = backend.block_number()
    assert backend.mine(3) == start + 3


def test_fund_adds_to_a_balance(backend: ChainBackend) -> None:
    who = Signer.generate()
    backend.fund(who.address, 7)
    backend.fund(who.address, 8)
    assert backend.balance(who.address) == 15


def test_dev_backend_block_gas_limit_fits_large_contracts(backend: ChainBackend) -> None:
    assert backend.w3.eth.get_block("latest")["gasLimit"] >= 30_000_000
