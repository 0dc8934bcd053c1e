"""The deployment file and its checks: a file that is not one, a path that cannot be written, and addresses
that do not hold fedchain's contracts are refused with a DeploymentError naming the file or contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fedchain.chain import EmbeddedBackend, Transactor
from fedchain.chain.client import deploy_all
from fedchain.chain.deploy import Deployment, check_contracts, check_target, is_runtime_of, runtime_code
from fedchain.exceptions import DeploymentError


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[EmbeddedBackend, Deployment]]:
    with EmbeddedBackend() as chain:
        deployer = chain.funded_signer()
        yield chain, deploy_all(Transactor(chain.w3, deployer, role="deployer"), deployer)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{garbage", "(not JSON"),
        ("[]", "(not a JSON object)"),
        ('{"format": 2}', "(unsupported deployment file format 2)"),
        ('{"format": 1, "chainId": 1}', "(no block, deployer, contracts, artifacts)"),
        (
            '{"format": 1, "chainId": 1, "block": 0, "deployer": "x", "artifacts": "", '
            '"contracts": {"A": "0x1"}}',
            "A address '0x1' is not an address",
        ),
    ],
)
def test_a_file_that_is_not_a_deployment_is_named(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(text)
    with pytest.raises(DeploymentError) as info:
        Deployment.load(path)
    assert str(info.value).startswith(f"{path} is not a fedchain deployment file ")
    assert needle in str(info.value) and "`fedchain deploy` writes one" in str(info.value)


def test_missing_directory_and_binary_files_are_deployment_errors(tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match="no deployment file at"):
        Deployment.load(tmp_path / "none.json")
    with pytest.raises(DeploymentError, match="is a directory"):
        Deployment.load(tmp_path)
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DeploymentError, match="not text"):
        Deployment.load(tmp_path / "binary.json")


def test_a_target_that_cannot_be_written_is_refused_before_anything(tmp_path: Path) -> None:
    check_target(tmp_path / "new" / "deployment.json")  # a folder that does not exist yet is fine
    with pytest.raises(DeploymentError, match="is a directory"):
        check_target(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeploymentError, match="is a file"):
        check_target(tmp_path / "file" / "deployment.json")
    with pytest.raises(DeploymentError, match="is a directory"):
        Deployment(chain_id=1, block=0, deployer="x", contracts={}).save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_the_deployed_contracts_are_fedchains(deployed: tuple[EmbeddedBackend, Deployment]) -> None:
    chain, deployment = deployed
    check_contracts(chain.w3, deployment)
    c = deployment.contracts
    coordinator = bytes(chain.w3.eth.get_code(deployment.address("Coordinator")))
    assert coordinator != runtime_code("Coordinator", c)  # its immutables are filled in...
    assert is_runtime_of(coordinator, "Coordinator", c)  # ...and only they differ
    assert not is_runtime_of(coordinator, "ModelRegistry", c)
    # linked to other libraries, the same source is another contract
    assert not is_runtime_of(coordinator, "Coordinator", c | {"TaskLogic": c["SettlementLogic"]})
    with pytest.raises(DeploymentError, match=r"library \w+ is not deployed"):
        runtime_code("Coordinator", {})


def test_addresses_without_code_or_with_another_contract_are_refused(
    deployed: tuple[EmbeddedBackend, Deployment], tmp_path: Path
) -> None:
    chain, deployment = deployed
    empty = {name: "0x" + f"{0x1000 + i:040x}" for i, name in enumerate(deployment.contracts)}
    with pytest.raises(DeploymentError, match=r"FedToken address 0x0+1000 holds no contract on chain"):
        check_contracts(chain.w3, Deployment(deployment.chain_id, 1, "x", empty), "d.json")
    c = deployment.contracts
    swapped = c | {"StakeVault": c["ConsentLedger"], "ConsentLedger": c["StakeVault"]}
    with pytest.raises(
        DeploymentError, match=r"StakeVault address .* holds another contract than fedchain's"
    ):
        check_contracts(chain.w3, Deployment(deployment.chain_id, 1, "x", swapped), "d.json")
    libraries = c | {"TaskLogic": c["SettlementLogic"], "SettlementLogic": c["TaskLogic"]}
    with pytest.raises(DeploymentError, match=r"Coordinator address .* holds another contract than"):
        check_contracts(chain.w3, Deployment(deployment.chain_id, 1, "x", libraries), "d.json")
    missing = {k: v for k, v in c.items() if k != "CoordinatorViews"}
    with pytest.raises(DeploymentError, match="the deployment has no CoordinatorViews contract"):
        check_contracts(chain.w3, Deployment(deployment.chain_id, 1, "x", missing), "d.json")
    token = c | {"FedToken": c["ConsentLedger"]}  # the token may be any contract (an existing ERC-20)
    check_contracts(chain.w3, Deployment(deployment.chain_id, 1, "x", token))
    path = tmp_path / "deployment.json"
    deployment.save(path)
    assert json.loads(path.read_text())["contracts"] == deployment.contracts
