"""Every operator mistake gets one line on stderr naming what is wrong and what to do, its documented exit
code (``fedchain.cli.exit_codes``), no traceback, and leaves nothing half-written.

One test per class of mistake, against a devnet holding a plain task that three hospitals joined."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_federation import DURATIONS, PASSWORD, CliFederation, build_cli_federation
from typer.testing import CliRunner, Result

from fedchain.chain import DevnetBackend, Signer
from fedchain.chain.bindings.coordinator import Mode, TaskParams
from fedchain.cli import _task, exit_codes
from fedchain.cli._local import open_store
from fedchain.cli.app import app
from fedchain.cli.exit_codes import ACCOUNT, BACKEND, CONFIG, DEPLOYMENT, NODE_STATE, STORAGE, USAGE
from fedchain.taskspec import TaskSpec

pytestmark = pytest.mark.devnet

runner = CliRunner()
ENV = {"FEDCHAIN_KEYSTORE_PASSWORD": PASSWORD, "FEDCHAIN_PRIVATE_KEY": None}


@pytest.fixture(scope="module")
def fed(devnet: DevnetBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliFederation]:
    yield build_cli_federation(devnet, tmp_path_factory.mktemp("federation"), rounds=0)


def run(args: list[str], env: dict[str, str | None] | None = None) -> Result:
    return runner.invoke(app, args, env={**ENV, **(env or {})})


def fails(args: list[str], code: int, *needles: str, env: dict[str, str | None] | None = None) -> str:
    """Run a command that must fail with ``code`` and one ``error:`` line holding every needle."""
    result = run(args, env)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def url(fed: CliFederation) -> str:
    return fed.common()[1]


def keystore(fed: CliFederation, name: str) -> list[str]:
    return ["--keystore", str(fed.keystores[name])]


def node(fed: CliFederation, state: Path, *extra: str, who: str = "outsider") -> list[str]:
    return [
        "node",
        "run",
        *fed.common(),
        "--state",
        str(state),
        "--client-index",
        "0",
        "--rounds",
        "0",
        *keystore(fed, who),
        *extra,
    ]


def aggregator(fed: CliFederation, state: Path, *extra: str, who: str = "aggregator") -> list[str]:
    return [
        "aggregator",
        "run",
        *fed.common(),
        "--state",
        str(state),
        "--rounds",
        "0",
        *keystore(fed, who),
        *extra,
    ]


def create(
    fed: CliFederation,
    *extra: str,
    aggregator: str | None = None,
    store: Path | None = None,
    who: str = "owner",
) -> list[str]:
    return [
        "task",
        "create",
        "--rpc",
        url(fed),
        "-d",
        str(fed.deployment),
        "--store",
        str(store or fed.store),
        "--aggregator",
        aggregator or fed.aggregator.address,
        *extra,
        *(keystore(fed, who) if who else []),
    ]


def test_every_command_answers_help(fed: CliFederation) -> None:
    for args in (
        ["--help"],
        ["deploy", "--help"],
        ["status", "--help"],
        ["task", "create", "--help"],
        ["node", "run", "--help"],
        ["aggregator", "run", "--help"],
        ["verify", "--help"],
        ["devnet", "--help"],
    ):
        assert run(args).exit_code == 0, args


# -- the deployment file (11) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no deployment file at"),
        ("{garbage", "is not a fedchain deployment file (not JSON: expecting property name"),
        ('{"format": 1, "chainId": 31337', "(not JSON: expecting ',' delimiter at line 1 column 31)"),
        ("[1, 2]", "(not a JSON object)"),
        ('{"format": 1, "chainId": 31337}', "(no block, deployer, contracts, artifacts)"),
        ('{"format": 7}', "unsupported deployment file format 7"),
        ("", "not JSON"),
    ],
    ids=["missing", "garbled", "truncated", "a list", "foreign", "other format", "empty"],
)
def test_a_missing_or_garbled_deployment_file(
    fed: CliFederation, tmp_path: Path, content: str | None, needle: str
) -> None:
    file = tmp_path / "deployment.json"
    if content is not None:
        file.write_text(content)
    for command in (
        ["status", "--rpc", url(fed), "-d", str(file)],
        ["verify", "--rpc", url(fed), "-d", str(file), "--task", "1", "--store", str(fed.store)],
    ):
        fails(command, DEPLOYMENT, needle, str(file))
    fails(["status", "--rpc", url(fed), "-d", str(tmp_path)], DEPLOYMENT, "is a directory")


def _edited(fed: CliFederation, tmp_path: Path, **changes: object) -> Path:
    raw = json.loads(fed.deployment.read_text())
    for key, value in changes.items():
        raw[key] = value
    file = tmp_path / "edited.json"
    file.write_text(json.dumps(raw))
    return file


def test_a_deployment_for_another_chain(fed: CliFederation, tmp_path: Path) -> None:
    file = _edited(fed, tmp_path, chainId=1)
    line = fails(["status", "--rpc", url(fed), "-d", str(file)], DEPLOYMENT, "is a deployment on chain 1")
    assert f"serves chain {fed.owner.deployment.chain_id}" in line and "pass the RPC URL of chain 1" in line


def test_a_deployment_whose_addresses_are_not_fedchains_contracts(fed: CliFederation, tmp_path: Path) -> None:
    contracts = dict(fed.owner.deployment.contracts)
    empty = {name: "0x" + f"{0x1000 + i:040x}" for i, name in enumerate(contracts)}
    fails(
        ["status", "--rpc", url(fed), "-d", str(_edited(fed, tmp_path, contracts=empty))],
        DEPLOYMENT,
        "holds no contract on chain",
        "deploy again or pass the right file",
    )
    swapped = contracts | {
        "Coordinator": contracts["ModelRegistry"],
        "ModelRegistry": contracts["Coordinator"],
    }
    line = fails(
        ["status", "--rpc", url(fed), "-d", str(_edited(fed, tmp_path, contracts=swapped))],
        DEPLOYMENT,
        "holds another contract than fedchain's",
    )
    assert "ModelRegistry" in line or "Coordinator" in line


# -- the RPC node (20) ---------------------------------------------------------------------------------------


def test_an_rpc_url_that_does_not_answer_or_serves_another_chain(fed: CliFederation, tmp_path: Path) -> None:
    deployment = ["-d", str(fed.deployment)]
    fails(["status", "--rpc", "http://127.0.0.1:9", *deployment], BACKEND, "cannot reach", "check --rpc")
    fails(["status", "--rpc", "localhost:8545", *deployment], CONFIG, "unsupported RPC URL scheme")
    fails(
        [
            "deploy",
            "--rpc",
            url(fed),
            "--chain-id",
            "1",
            *keystore(fed, "outsider"),
            "-d",
            str(tmp_path / "d.json"),
        ],
        BACKEND,
        "expected chain 1",
        f"pass --chain-id {fed.owner.deployment.chain_id}, or the RPC URL of chain 1",
    )
    assert not (tmp_path / "d.json").exists()
    assert run(["deploy", "--rpc", url(fed), "--chain-id", "0"]).exit_code == USAGE


# -- the account (12) ----------------------------------------------------------------------------------------


def test_a_wrong_or_missing_keystore_or_password(fed: CliFederation, tmp_path: Path) -> None:
    (tmp_path / "notjson.json").write_text("hello")
    (tmp_path / "other.json").write_text('{"address": "0x00"}')
    owner = str(fed.keystores["owner"])
    cases: list[tuple[list[str], dict[str, str | None], str]] = [
        (["--keystore", str(tmp_path / "none.json")], {}, "no keystore file at"),
        (["--keystore", str(fed.keystores["owner"].parent)], {}, "is a directory: pass one keystore file"),
        (["--keystore", str(tmp_path / "notjson.json")], {}, "is not a keystore: it is not JSON"),
        (["--keystore", str(tmp_path / "other.json")], {}, "is JSON but not an encrypted keystore"),
        (["--keystore", owner], {"FEDCHAIN_KEYSTORE_PASSWORD": "wrong"}, "wrong password for"),
        (["--keystore", owner], {"FEDCHAIN_KEYSTORE_PASSWORD": ""}, "is set but empty"),
        (["--keystore", owner], {"FEDCHAIN_KEYSTORE_PASSWORD": None}, "set $FEDCHAIN_KEYSTORE_PASSWORD"),
        ([], {}, "FEDCHAIN_PRIVATE_KEY is not set: pass --keystore FILE"),
        ([], {"FEDCHAIN_PRIVATE_KEY": "0xzz"}, "private key must be 32 bytes"),
    ]
    base = [
        "task",
        "create",
        "--rpc",
        url(fed),
        "-d",
        str(fed.deployment),
        "--store",
        str(fed.store),
        "--aggregator",
        fed.aggregator.address,
    ]
    count = fed.owner.coordinator.task_count()
    for extra, env, needle in cases:
        fails([*base, *extra], ACCOUNT, needle, env=env)
    assert fed.owner.coordinator.task_count() == count


def test_an_account_without_funds(fed: CliFederation, tmp_path: Path) -> None:
    broke = Signer.generate()  # no ether at all
    key = {"FEDCHAIN_PRIVATE_KEY": "0x" + broke.local_account.key.hex()}
    fails(create(fed, who=""), ACCOUNT, f"account {broke.address} holds no ether", env=key)
    no_fed = Signer.generate()  # ether for gas, but no FED for the stake
    fed.backend.fund(no_fed.address, 10**18)
    key = {"FEDCHAIN_PRIVATE_KEY": "0x" + no_fed.local_account.key.hex()}
    args = [
        a for a in node(fed, tmp_path / "s.json") if a not in ("--keystore", str(fed.keystores["outsider"]))
    ]
    fails(args, ACCOUNT, f"holds 0 FED but task {fed.task}'s stake is 10 FED", env=key)
    assert not fed.owner.registry.is_member(fed.task, no_fed.address)
    fails(create(fed, "--reward-pool", "5000"), ACCOUNT, "the reward pool is 5,000 FED")


def test_the_aggregator_run_with_another_account(fed: CliFederation, tmp_path: Path) -> None:
    fails(
        aggregator(fed, tmp_path / "a.json", who="outsider"),
        ACCOUNT,
        f"is not task {fed.task}'s aggregator ({fed.aggregator.address})",
    )
    assert fed.owner.coordinator.current_round(fed.task) == 0  # it opened no round
    assert not (tmp_path / "a.json").exists()


# -- option values (10) and counts (2) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("notanaddress", "is not an address"),
        ("0x1234", "is not an address"),
        ("0xABaBaBaBABabABabAbAbABAbABabababaBaBABab", "has a bad checksum"),
        ("0x" + "00" * 20, "is the zero address"),
    ],
    ids=["not hex", "too short", "bad checksum", "zero"],
)
def test_a_mistyped_address(fed: CliFederation, value: str, needle: str) -> None:
    count = fed.owner.coordinator.task_count()
    fails(create(fed, aggregator=value), CONFIG, "--aggregator", needle)
    fails(
        [
            "deploy",
            "--rpc",
            url(fed),
            "--chain-id",
            "31337",
            "--token",
            value,
            *keystore(fed, "outsider"),
            "-d",
            str(fed.store.parent / "never.json"),
        ],
        CONFIG,
        "--token",
        needle,
    )
    assert fed.owner.coordinator.task_count() == count
    assert not (fed.store.parent / "never.json").exists()


@pytest.mark.parametrize(
    ("param", "needle"),
    [
        ("eta=abc", "'abc' is not a number, true or false"),
        ("eta=true", "'eta' must be a finite number"),
        ("bias_correction=0.5", "'bias_correction' must be true or false"),
        ("eta=nan", "must be a finite number"),
        ("nope=1", "has no hyper-parameter 'nope'"),
        ("eta", "takes NAME=VALUE"),
    ],
)
def test_a_strategy_param_of_the_wrong_type(fed: CliFederation, param: str, needle: str) -> None:
    fails(create(fed, "--strategy", "fedadam", "--strategy-param", param), CONFIG, needle)


def test_an_unknown_task_or_a_task_of_another_mode(
    fed: CliFederation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = fed.owner.coordinator.task_count()
    unknown = [a if a != str(fed.task) else "99" for a in fed.common()]
    fails(["verify", *unknown], CONFIG, "no task 99 in this deployment", f"tasks are 1..{count}")
    fails(["status", "--rpc", url(fed), "-d", str(fed.deployment), "--task", "99"], CONFIG, "no task 99")
    state = tmp_path / "s.json"
    fails(
        ["node", "run", *unknown, "--state", str(state), "--client-index", "0", *keystore(fed, "outsider")],
        CONFIG,
        "no task 99",
    )
    assert not state.exists()
    assert run(["verify", *[a if a != str(fed.task) else "0" for a in fed.common()]]).exit_code == USAGE

    original = fed.owner.coordinator.create_task

    def sealed(params: TaskParams) -> object:
        return original(dataclasses.replace(params, mode=Mode.SEALED))

    monkeypatch.setattr(fed.owner.coordinator, "create_task", sealed)
    spec = TaskSpec(_task.build_client("hospitals", 3, 0, 0).spec, "fedavg", {})
    other = _task.create_plain_task(
        fed.owner,
        open_store(fed.store),
        spec,
        fed.aggregator.address,
        cohort=3,
        stake=10 * _task.TOKEN,
        bond=0,
        reward_pool=0,
        reward_per_round=0,
        durations=DURATIONS,
    )
    args = [a if a != str(fed.task) else str(other) for a in fed.common()]
    for command in (
        ["verify", *args],
        ["node", "run", *args, "--state", str(state), "--client-index", "0", *keystore(fed, "outsider")],
        ["aggregator", "run", *args, "--state", str(state), *keystore(fed, "aggregator")],
    ):
        fails(command, CONFIG, f"task {other} runs in sealed mode", "plain and secagg tasks only")
    assert not state.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["task", "create", "--stake", "0"],
        ["task", "create", "--stake", "-5"],
        ["task", "create", "--cohort", "0"],
        ["task", "create", "--bond", "-1"],
        ["task", "create", "--reward-pool", "-1"],
        ["task", "create", "--max-rounds", "-1"],
        ["task", "create", "--clients", "0"],
        ["task", "create", "--seed", "-1"],
        ["task", "create", "--commit", "0"],
        ["node", "run", "--client-index", "-1"],
        ["node", "run", "--rounds", "-1"],
        ["node", "run", "--poll", "0"],
        ["aggregator", "run", "--dev-clock-idle", "-1"],
        ["verify", "--task", "-1"],
        ["status", "--task", "0"],
        ["deploy", "--chain-id", "-1"],
        ["devnet", "--accounts", "-1"],
        ["devnet", "--port", "70000"],
    ],
    ids=" ".join,
)
def test_a_zero_or_negative_count_is_a_usage_error(args: list[str]) -> None:
    result = run(args)
    assert result.exit_code == USAGE, result.output
    assert "Invalid value for" in result.output and "Traceback" not in result.output
    assert args[-2] in result.output


# -- the blob store (30) -------------------------------------------------------------------------------------


def test_a_store_directory_that_is_a_file_or_not_the_tasks(fed: CliFederation, tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("x")
    empty = tmp_path / "empty"
    empty.mkdir()
    state = tmp_path / "s.json"
    for store, needle in (
        (file, "is a file, not a blob directory"),
        (file / "under", f"{file} is a file"),
        (tmp_path / "nowhere", "does not exist"),
        (empty, "does not hold task 1's task spec"),
    ):
        common = [*fed.common(store)]
        fails(
            [
                "node",
                "run",
                *common,
                "--state",
                str(state),
                "--client-index",
                "0",
                *keystore(fed, "outsider"),
            ],
            STORAGE,
            needle,
        )
        fails(
            ["aggregator", "run", *common, "--state", str(state), *keystore(fed, "aggregator")],
            STORAGE,
            needle,
        )
    assert not state.exists() and not (tmp_path / "nowhere").exists()
    count = fed.owner.coordinator.task_count()
    fails(create(fed, store=file), STORAGE, "is a file, not a blob directory")
    fails(create(fed, store=file / "under"), STORAGE, f"{file} is a file")
    assert fed.owner.coordinator.task_count() == count
    assert not fed.owner.registry.is_member(fed.task, fed.outsider.address)


# -- the node state file (13) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"identity": {"chainId": 31', "is not valid JSON (truncated or edited?)"),
        ("not json at all", "is not valid JSON"),
        ("[1, 2]", "is not a node state file (a JSON object is expected)"),
        ("deployment", "is not a node state file (it holds 'artifacts', 'block', 'chainId')"),
        ("keystore", "is not a node state file (it holds 'address', 'crypto'"),
        ("other task", "belongs to task 2 on chain"),
        ("other chain", "belongs to task 1 on chain 1 "),
        ("other coordinator", f"(coordinator 0x{'11' * 20})"),
    ],
    ids=[
        "truncated",
        "not json",
        "a list",
        "a deployment file",
        "a keystore",
        "another task",
        "another chain",
        "another coordinator",
    ],
)
def test_a_corrupted_or_foreign_state_file(
    fed: CliFederation, tmp_path: Path, content: str, needle: str
) -> None:
    state = tmp_path / "state.json"
    identity = {
        "chainId": fed.owner.deployment.chain_id,
        "coordinator": fed.owner.coordinator.address,
        "task": fed.task,
    }
    if content == "deployment":
        shutil.copy(fed.deployment, state)
    elif content == "keystore":
        shutil.copy(fed.keystores["outsider"], state)
    elif content.startswith("other "):
        field = {
            "task": ("task", 2),
            "chain": ("chainId", 1),
            "coordinator": ("coordinator", "0x" + "11" * 20),
        }
        key, value = field[content.removeprefix("other ")]
        state.write_text(json.dumps({"identity": identity | {key: value}}))
    else:
        state.write_text(content)
    before = state.read_bytes()
    fails(node(fed, state), NODE_STATE, str(state), needle)
    fails(aggregator(fed, state), NODE_STATE, str(state), needle)
    assert state.read_bytes() == before  # refused, never rewritten
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left
    assert not fed.owner.registry.is_member(fed.task, fed.outsider.address)  # refused before joining


def test_a_state_file_path_that_cannot_be_written(fed: CliFederation, tmp_path: Path) -> None:
    fails(node(fed, tmp_path), NODE_STATE, "is a directory: pass a file path for --state")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails(node(fed, blocker / "s.json"), NODE_STATE, "a folder above is a file")
    assert not fed.owner.registry.is_member(fed.task, fed.outsider.address)


def test_two_nodes_on_one_state_file(fed: CliFederation, tmp_path: Path) -> None:
    state = tmp_path / "shared.json"
    member = fed.members[0].address
    first = run(node(fed, state, who="member-0"))
    assert first.exit_code == 0, first.output
    fails(
        node(fed, state, who="member-1"),
        NODE_STATE,
        f"belongs to account {member}",
        "each node needs its own --state file",
    )
    fails(aggregator(fed, state), NODE_STATE, f"belongs to account {member}")


# -- files a command writes: deploy and devnet refuse before anything is deployed ----------------------------


def test_deploy_and_devnet_refuse_an_unwritable_target_before_deploying(
    fed: CliFederation, tmp_path: Path
) -> None:
    outsider = fed.outsider.address
    nonce = fed.backend.w3.eth.get_transaction_count(outsider)
    deploy = ["deploy", "--rpc", url(fed), "--chain-id", "31337", *keystore(fed, "outsider")]
    fails([*deploy, "-d", str(tmp_path)], DEPLOYMENT, "is a directory: pass a file path")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails([*deploy, "-d", str(blocker / "d.json")], DEPLOYMENT, f"{blocker} is a file")
    fails([*deploy, "--token", "0x" + "12" * 20, "-d", str(tmp_path / "d.json")], CONFIG, "holds no contract")
    assert fed.backend.w3.eth.get_transaction_count(outsider) == nonce  # nothing was sent
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    fails(["devnet", "-d", str(tmp_path)], DEPLOYMENT, "is a directory")
    fails(
        ["devnet", "-d", str(tmp_path / "dv.json"), "--accounts", "1", "--keys", str(blocker)],
        ACCOUNT,
        "is a file (pass a directory)",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_exit_codes_are_documented_in_their_ranges() -> None:
    doc = exit_codes.__doc__ or ""
    for code in (
        exit_codes.CONFIG,
        DEPLOYMENT,
        ACCOUNT,
        NODE_STATE,
        BACKEND,
        exit_codes.CONTRACT,
        exit_codes.TRANSACTION,
        STORAGE,
        exit_codes.CODEC,
        exit_codes.VERIFICATION,
    ):
        assert f" {code} " in doc
