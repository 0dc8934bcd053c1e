"""Signers: generation, environment, keystore files, and never showing the key."""

from __future__ import annotations

import copy
import json
import logging
import pickle
import stat
from pathlib import Path

import pytest
from eth_account import Account

from fedchain.chain import KeyStoreDir, Signer, Transactor, connect
from fedchain.exceptions import AccountError, ConfigError

FAST = 2**4  # scrypt cost for tests; the default (2**18) takes about a second per operation


def _key_hex(signer: Signer) -> str:
    return signer.local_account.key.hex()


def test_generate_gives_distinct_keys() -> None:
    a, b = Signer.generate(), Signer.generate()
    assert a != b and a.address != b.address


def test_from_key_accepts_hex_with_or_without_prefix_and_raw_bytes() -> None:
    key = "0x" + "11" * 32
    expected = Account.from_key(key).address
    assert Signer.from_key(key).address == expected
    assert Signer.from_key(key[2:]).address == expected
    assert Signer.from_key(bytes.fromhex(key[2:])).address == expected


@pytest.mark.parametrize(
    "bad",
    ["", "0x1234", "zz" * 32, "0x" + "00" * 32, "0x" + "ff" * 32, b"\x01" * 31],
    ids=["empty", "short", "not-hex", "zero", "above-curve-order", "31-bytes"],
)
def test_from_key_refuses_malformed_keys_without_echoing_them(bad: str | bytes) -> None:
    with pytest.raises(AccountError) as info:
        Signer.from_key(bad)
    text = str(info.value)
    shown = bad.hex() if isinstance(bad, bytes) else bad
    if shown:
        assert shown not in text and shown.removeprefix("0x") not in text
    err = info.value
    assert err.__cause__ is None  # a chained cause could print the key in a traceback
    assert err.__context__ is None or err.__suppress_context__


def test_from_env_reads_the_variable() -> None:
    key = "0x" + "22" * 32
    signer = Signer.from_env(environ={"FEDCHAIN_PRIVATE_KEY": key})
    assert signer.address == Account.from_key(key).address
    assert Signer.from_env("OTHER", environ={"OTHER": key}) == signer


def test_from_env_uses_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "0x" + "33" * 32
    monkeypatch.setenv("FEDCHAIN_PRIVATE_KEY", key)
    assert Signer.from_env().address == Account.from_key(key).address


def test_from_env_missing_names_the_variable() -> None:
    with pytest.raises(AccountError, match="FEDCHAIN_PRIVATE_KEY is not set"):
        Signer.from_env(environ={})
    with pytest.raises(AccountError, match="FEDCHAIN_PRIVATE_KEY"):
        Signer.from_env(environ={"FEDCHAIN_PRIVATE_KEY": ""})


def test_from_env_malformed_never_echoes_the_value() -> None:
    value = "0x" + "ab" * 31 + "zz"
    with pytest.raises(AccountError) as info:
        Signer.from_env(environ={"FEDCHAIN_PRIVATE_KEY": value})
    assert "FEDCHAIN_PRIVATE_KEY" in str(info.value)
    assert value not in str(info.value) and "abab" not in str(info.value)


def test_keystore_round_trip_with_mode_0600(tmp_path: Path) -> None:
    signer = Signer.generate()
    path = signer.to_keystore(tmp_path / "k.json", "s3cret", iterations=FAST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert document["crypto"]["kdf"] == "scrypt" and document["version"] == 3
    assert _key_hex(signer) not in path.read_text()
    assert Signer.from_keystore(path, "s3cret") == signer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.json"]  # no temporary file left


def test_keystore_wrong_password(tmp_path: Path) -> None:
    path = Signer.generate().to_keystore(tmp_path / "k.json", "right", iterations=FAST)
    with pytest.raises(AccountError, match="wrong password"):
        Signer.from_keystore(path, "wrong")


def test_keystore_missing_or_malformed(tmp_path: Path) -> None:
    with pytest.raises(AccountError, match="not found"):
        Signer.from_keystore(tmp_path / "absent.json", "pw")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(AccountError):
        Signer.from_keystore(tmp_path / "junk.json", "pw")
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(AccountError, match="not an encrypted keystore"):
        Signer.from_keystore(tmp_path / "other.json", "pw")


def test_keystore_refuses_to_overwrite_and_empty_passwords(tmp_path: Path) -> None:
    signer = Signer.generate()
    path = signer.to_keystore(tmp_path / "k.json", "pw", iterations=FAST)
    with pytest.raises(AccountError, match="already exists"):
        Signer.generate().to_keystore(path, "pw", iterations=FAST)
    other = Signer.generate()
    other.to_keystore(path, "pw", iterations=FAST, overwrite=True)
    assert Signer.from_keystore(path, "pw") == other
    with pytest.raises(AccountError, match="empty password"):
        signer.to_keystore(tmp_path / "e.json", "", iterations=FAST)


def test_keystore_dir_saves_and_loads_named_signers(tmp_path: Path) -> None:
    store = KeyStoreDir(tmp_path / "keys")
    alice, bob = Signer.generate(), Signer.generate()
    store.save("alice", alice, "pa", iterations=FAST)
    store.save("bob", bob, "pb", iterations=FAST)
    assert store.names() == ["alice", "bob"]
    assert "alice" in store and "carol" not in store
    assert store.address("bob") == bob.address
    assert store.load("alice", "pa") == alice
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    with pytest.raises(AccountError, match="no key named"):
        store.load("carol", "pc")


@pytest.mark.parametrize("name", ["../evil", ".hidden", "a/b", "", "x" * 200])
def test_keystore_dir_refuses_names_that_escape(tmp_path: Path, name: str) -> None:
    with pytest.raises(ConfigError):
        KeyStoreDir(tmp_path).save(name, Signer.generate(), "pw", iterations=FAST)


def test_key_never_appears_in_repr_str_or_formatting() -> None:
    signer = Signer.generate()
    key = _key_hex(signer)
    for text in (repr(signer), str(signer), f"{signer}", f"{signer!r}", repr([signer])):
        assert key not in text
        assert signer.address in text
    assert not hasattr(signer, "__dict__")  # nothing for vars() to show


def test_signer_cannot_be_pickled_but_copies_are_itself() -> None:
    signer = Signer.generate()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(signer)
    assert copy.copy(signer) is signer and copy.deepcopy(signer) is signer


def test_key_never_appears_in_logs_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    with connect("embedded") as chain:
        signer = chain.funded_signer()
        key = _key_hex(signer)
        tx = Transactor(chain.w3, signer, role="r")
        tx.send_value(signer.address, 1, phase="self")
        path = signer.to_keystore(tmp_path / "k.json", "pw", iterations=FAST)
        for attempt in (
            lambda: Signer.from_keystore(path, "bad"),
            lambda: Transactor(chain.w3, signer).send_value("0x" + "00" * 20, 10**30),
            lambda: signer.to_keystore(path, "pw"),
        ):
            with pytest.raises(Exception) as info:  # any error: the messages are checked below
                attempt()
            messages.append(repr(info.value) + str(info.value) + str(info.value.__cause__))
            messages.extend(getattr(info.value, "__notes__", []))
    messages.extend(record.getMessage() for record in caplog.records)
    assert any("sent transfer" in m for m in messages)  # debug logging did happen
    for text in messages:
        assert key not in text and key.upper() not in text


def test_keystore_with_a_damaged_crypto_section(tmp_path: Path) -> None:
    path = Signer.generate().to_keystore(tmp_path / "k.json", "pw", iterations=FAST)
    document = json.loads(path.read_text())
    del document["crypto"]["kdfparams"]
    with pytest.raises(AccountError, match="malformed"):
        Signer.from_keystore_json(document, "pw")
