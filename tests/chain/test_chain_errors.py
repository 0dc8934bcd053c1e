"""Revert decoding: selectors, typed classes, and where each backend leaves the revert data."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import abi as eth_abi
from eth_tester.exceptions import TransactionFailed
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st
from web3.contract import Contract
from web3.exceptions import ContractCustomError as Web3CustomError
from web3.exceptions import ContractLogicError, ContractPanicError, Web3RPCError

from fedchain.chain import (
    PANIC_CODES,
    ChainBackend,
    EmptyRevertError,
    ErrorDecoder,
    PanicCodeError,
    RevertReasonError,
    UnknownRevertError,
    error_class,
    register_error_class,
    revert_data_from_exception,
)
from fedchain.chain.errors import encode_reason
from fedchain.exceptions import ConfigError, ContractCustomError, ContractError

LATE = {
    "type": "error",
    "name": "TestLate",
    "inputs": [{"name": "round", "type": "uint256"}, {"name": "who", "type": "address"}],
}
STRUCTS = {
    "type": "error",
    "name": "TestStruct",
    "inputs": [
        {
            "name": "entry",
            "type": "tuple",
            "components": [
                {"name": "owner", "type": "address"},
                {"name": "tags", "type": "bytes32[]"},
            ],
        },
        {"name": "", "type": "int8"},
    ],
}


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def _panic(code: int) -> bytes:
    return _selector("Panic(uint256)") + code.to_bytes(32, "big")


# -- decoding --------------------------------------------------------------------------------------


def test_selectors_and_signatures() -> None:
    decoder = ErrorDecoder([LATE, STRUCTS, {"type": "function", "name": "f", "inputs": []}])
    late, struct = decoder.spec("TestLate"), decoder.spec("TestStruct")
    assert late.signature == "TestLate(uint256,address)"
    assert late.selector == _selector("TestLate(uint256,address)")
    assert struct.signature == "TestStruct((address,bytes32[]),int8)"
    assert struct.arg_names == ("entry", "arg1")
    assert set(decoder.specs) == {late.selector, struct.selector}


def test_custom_error_decodes_to_a_typed_exception_with_checksummed_addresses() -> None:
    who = "0x" + "ab" * 20
    data = _selector("TestLate(uint256,address)") + eth_abi.encode(["uint256", "address"], [7, who])
    err = ErrorDecoder([LATE]).decode(data)
    assert isinstance(err, ContractCustomError) and type(err) is error_class("TestLate")
    assert err.error_args == {"round": 7, "who": "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"}


def test_nested_tuples_and_arrays() -> None:
    owner = "0x" + "cd" * 20
    body = eth_abi.encode(["(address,bytes32[])", "int8"], [(owner, [b"\x01" * 32]), -3])
    err = ErrorDecoder([STRUCTS]).decode(
        "0x" + (_selector("TestStruct((address,bytes32[]),int8)") + body).hex()
    )
    assert isinstance(err, ContractCustomError)
    entry = err.error_args["entry"]
    assert entry[0].lower() == owner and entry[0] != owner  # checksummed
    assert entry[1] == (b"\x01" * 32,)
    assert err.error_args["arg1"] == -3


def test_reason_string_panic_and_empty() -> None:
    decoder = ErrorDecoder()
    reason = decoder.decode(encode_reason("too late"))
    assert isinstance(reason, RevertReasonError) and reason.reason == "too late"
    panic = decoder.decode(_panic(0x11))
    assert isinstance(panic, PanicCodeError) and panic.code == 0x11
    assert panic.meaning == PANIC_CODES[0x11] and "0x11" in str(panic)
    assert isinstance(decoder.decode(b""), EmptyRevertError)
    assert isinstance(decoder.decode("0x"), EmptyRevertError)


def test_unknown_panic_code_is_still_a_panic() -> None:
    panic = ErrorDecoder().decode(_panic(0x99))
    assert isinstance(panic, PanicCodeError) and panic.meaning == "unknown panic code"


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex("deadbeef") + bytes(32),
        _selector("TestLate(uint256,address)") + b"\x01\x02",
        _selector("Error(string)") + b"\x00" * 5,
        b"\x01\x02",
        encode_reason("hello")[:-28] + b"\xff" + encode_reason("hello")[-27:],
        _selector("TestLate(uint256,address)") + bytes(32) + b"\xff" + bytes(11) + b"\x11" * 20,
    ],
    ids=[
        "unknown-selector",
        "truncated-args",
        "truncated-reason",
        "shorter-than-selector",
        "reason-not-utf8",
        "dirty-address-padding",
    ],
)
def test_unexplained_data_is_kept_raw(data: bytes) -> None:
    err = ErrorDecoder([LATE]).decode(data)
    assert isinstance(err, UnknownRevertError) and err.data == data


def test_selector_clash_is_refused() -> None:
    decoder = ErrorDecoder([LATE])
    decoder.add_abi([LATE])  # the same error twice is fine
    clash = {"type": "error", "name": "Other", "inputs": []}
    decoder._specs[_selector("Other()")] = decoder.spec("TestLate")  # force a clash
    with pytest.raises(ConfigError, match="selector clash"):
        decoder.add_abi([clash])


# -- typed classes ---------------------------------------------------------------------------------


def test_dynamic_classes_are_cached_and_catchable() -> None:
    cls = error_class("TestDynamicOnce")
    assert cls is error_class("TestDynamicOnce")
    assert issubclass(cls, ContractCustomError) and cls.__name__ == "TestDynamicOnce"
    assert cls.error_name == "TestDynamicOnce"
    with pytest.raises(cls):
        raise ErrorDecoder([{"type": "error", "name": "TestDynamicOnce", "inputs": []}]).decode(
            _selector("TestDynamicOnce()")
        )


def test_registered_class_wins() -> None:
    @register_error_class
    class TestRegistered(ContractCustomError):  # noqa: N818 - named after the Solidity error
        error_name = "TestRegistered"

    assert error_class("TestRegistered") is TestRegistered
    err = ErrorDecoder([{"type": "error", "name": "TestRegistered", "inputs": []}]).decode(
        _selector("TestRegistered()")
    )
    assert type(err) is TestRegistered
    register_error_class(TestRegistered)  # idempotent

    class Impostor(ContractCustomError):  # noqa: N818 - named after the Solidity error
        error_name = "TestRegistered"

    with pytest.raises(ConfigError, match="already registered"):
        register_error_class(Impostor)


def test_register_refuses_non_error_classes() -> None:
    with pytest.raises(ConfigError):
        register_error_class(ValueError)  # type: ignore[type-var]
    with pytest.raises(ConfigError):
        error_class("not a name")


# -- where the data is: synthetic exceptions -------------------------------------------------------

CUSTOM = _selector("TestLate(uint256,address)") + bytes(64)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (Web3CustomError("0x" + CUSTOM.hex(), data="0x" + CUSTOM.hex()), CUSTOM),
        (ContractLogicError("execution reverted", data="0x"), b""),
        (ContractLogicError("execution reverted", data=None), b""),
        (ContractLogicError("execution reverted: nope", data=None), encode_reason("nope")),
        (ContractLogicError("x", data={"message": "m", "data": "0x" + CUSTOM.hex()}), CUSTOM),
        (ContractPanicError("Panic", data="0x" + _panic(0x12).hex()), _panic(0x12)),
        (TransactionFailed("execution reverted: " + repr(CUSTOM)), CUSTOM),
        (TransactionFailed("execution reverted: b''"), b""),
        (TransactionFailed("execution reverted: too late"), encode_reason("too late")),
        (TransactionFailed(CUSTOM), CUSTOM),
        (TransactionFailed(TransactionFailed(CUSTOM)), CUSTOM),
        (
            Web3RPCError(
                "err",
                rpc_response={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "error": {"code": 3, "message": "execution reverted", "data": "0x0102"},
                },
            ),
            b"\x01\x02",
        ),
        (Web3RPCError("nonce too low", rpc_response=None), None),
        (ValueError("unrelated"), None),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_revert_data_from_exception(exc: BaseException, expected: bytes | None) -> None:
    assert revert_data_from_exception(exc) == expected


def test_from_exception_passes_decoded_errors_through() -> None:
    err = RevertReasonError("x")
    assert ErrorDecoder().from_exception(err) is err
    assert ErrorDecoder().from_exception(KeyError("x")) is None


# -- where the data is: real backends --------------------------------------------------------------


def _raw_failure(fn: Any, how: str = "call") -> BaseException:
    with pytest.raises(Exception) as info:  # the type is what we inspect
        fn.call() if how == "call" else fn.estimate_gas()
    return info.value


def _expected(fixture_artifact: dict[str, Any]) -> dict[str, bytes]:
    too_large = _selector("FixtureTooLarge(uint256,uint256)") + eth_abi.encode(
        ["uint256", "uint256"], [1000, 100]
    )
    label = _selector("FixtureLabel(string)") + eth_abi.encode(["string"], ["hi"])
    return {
        "custom": too_large,
        "label": label,
        "reason": encode_reason("Fixture: amount too large"),
        "empty": b"",
        "panic": _panic(0x12),
    }


def _failing(contract: Contract) -> dict[str, Any]:
    functions = contract.functions
    return {
        "custom": functions.increment(1000),
        "label": functions.failLabel("hi"),
        "reason": functions.requireSmall(50),
        "empty": functions.failEmpty(),
        "panic": functions.divide(1, 0),
    }


@pytest.mark.parametrize("how", ["call", "estimate"])
def test_both_backends_raise_like_a_node(
    backend: ChainBackend,
    fixture_contract: Contract,
    fixture_artifact: dict[str, Any],
    how: str,
) -> None:
    """Plain web3 calls, no Transactor: anvil answers with JSON-RPC errors carrying the data;
    the embedded backend's provider is adapted to raise the same way."""
    expected = _expected(fixture_artifact)
    for kind, fn in _failing(fixture_contract).items():
        exc = _raw_failure(fn, how)
        assert isinstance(exc, ContractLogicError), (kind, exc)
        assert exc.data == "0x" + expected[kind].hex(), kind
        assert revert_data_from_exception(exc) == expected[kind], kind


def test_stock_eth_tester_provider_conventions(fixture_artifact: dict[str, Any]) -> None:
    """web3's own EthereumTesterProvider: what the embedded backend's adapter corrects."""
    from eth_account import Account
    from web3 import EthereumTesterProvider, Web3
    from web3.types import Wei

    w3 = Web3(EthereumTesterProvider())
    factory = w3.eth.contract(abi=fixture_artifact["abi"], bytecode=fixture_artifact["bytecode"])
    sender = Account.create()
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": sender.address, "value": Wei(10**20)})
    tx = factory.constructor(5).build_transaction({"from": sender.address, "nonce": 0})
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    )
    contract: Contract = w3.eth.contract(  # type: ignore[assignment]  # web3 types it loosely
        address=receipt["contractAddress"], abi=fixture_artifact["abi"]
    )
    expected = _expected(fixture_artifact)
    failing = _failing(contract)

    custom = _raw_failure(failing["custom"])
    assert isinstance(custom, TransactionFailed) and "execution reverted: b'" in str(custom)
    reason = _raw_failure(failing["reason"])
    assert str(reason) == "execution reverted: Fixture: amount too large"
    empty = _raw_failure(failing["empty"])
    assert str(empty) == "execution reverted: b''"
    panic = _raw_failure(failing["panic"])
    assert isinstance(panic, ContractPanicError)  # panics in eth_call come decoded
    for kind, exc in (("custom", custom), ("reason", reason), ("empty", empty), ("panic", panic)):
        assert revert_data_from_exception(exc) == expected[kind], kind
    # The pitfall: in eth_estimateGas web3 reads any revert data as Error(string) when it can,
    # so a custom error with one string argument loses its identity.
    label = _raw_failure(failing["label"], "estimate")
    assert str(label) == "execution reverted: hi"
    assert revert_data_from_exception(label) == encode_reason("hi")


# -- properties ------------------------------------------------------------------------------------

MIXED = {
    "type": "error",
    "name": "FixtureMixed",
    "inputs": [
        {"name": "who", "type": "address"},
        {"name": "tag", "type": "bytes32"},
        {"name": "note", "type": "string"},
        {"name": "flag", "type": "bool"},
        {"name": "values", "type": "uint256[]"},
    ],
}


@settings(max_examples=200, deadline=None)
@given(
    who=st.binary(min_size=20, max_size=20),
    tag=st.binary(min_size=32, max_size=32),
    note=st.text(),
    flag=st.booleans(),
    values=st.lists(st.integers(min_value=0, max_value=2**256 - 1), max_size=8),
)
def test_decoding_inverts_encoding(who: bytes, tag: bytes, note: str, flag: bool, values: list[int]) -> None:
    address = to_checksum_address(who)
    types = ["address", "bytes32", "string", "bool", "uint256[]"]
    data = _selector("FixtureMixed(address,bytes32,string,bool,uint256[])") + eth_abi.encode(
        types, [address, tag, note, flag, values]
    )
    err = ErrorDecoder([MIXED]).decode(data)
    assert isinstance(err, error_class("FixtureMixed"))
    assert err.error_args == {
        "who": address,
        "tag": tag,
        "note": note,
        "flag": flag,
        "values": tuple(values),
    }


_KNOWN_SELECTORS = [
    _selector("TestLate(uint256,address)"),
    _selector("TestStruct((address,bytes32[]),int8)"),
    _selector("FixtureMixed(address,bytes32,string,bool,uint256[])"),
    _selector("Error(string)"),
    _selector("Panic(uint256)"),
]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(_KNOWN_SELECTORS), st.binary(max_size=4)), st.binary(max_size=300))
def test_decoding_never_raises_on_arbitrary_data(selector: bytes, body: bytes) -> None:
    err = ErrorDecoder([LATE, STRUCTS, MIXED]).decode(selector + body)
    assert isinstance(err, ContractError)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_reason_strings_round_trip(reason: str) -> None:
    err = ErrorDecoder().decode(encode_reason(reason))
    assert isinstance(err, RevertReasonError) and err.reason == reason
