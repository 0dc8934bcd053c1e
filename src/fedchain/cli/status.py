"""``fedchain status``: tasks, rounds, phases, participants and model versions, read from the chain."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fedchain.chain import Transactor
from fedchain.chain.bindings.coordinator import Mode, Phase
from fedchain.chain.client import Fedchain
from fedchain.cli._chain import open_deployment
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOption,
    JsonOption,
    RpcOption,
    console,
    handle_errors,
    print_json,
)
from fedchain.cli._task import check_task


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def collect_status(fc: Fedchain, task_ids: list[int]) -> dict[str, Any]:
    """Everything ``status`` shows, as plain data (also what ``--json`` prints)."""
    tasks = []
    for task_id in task_ids:
        t = fc.coordinator.task(task_id)
        members = []
        for i in range(fc.registry.member_count(task_id)):
            addr = fc.registry.member_at(task_id, i)
            m = fc.registry.member(task_id, addr)
            activity = fc.coordinator.member_activity(task_id, addr)
            members.append(
                {
                    "address": addr,
                    "stake": fc.vault.stake_of(task_id, addr),
                    "datasetCommitment": _hex(m.dataset_commitment),
                    "lastRevealedRound": activity.revealed,
                    "absences": m.absences,
                    "disputesLost": m.disputes_lost,
                    "faults": m.faults,
                    "suspended": activity.suspended,
                }
            )
        rounds = []
        for r in range(1, t.round_count + 1):
            rnd = fc.coordinator.round(task_id, r)
            rounds.append(
                {
                    "round": r,
                    "phase": Phase(rnd.phase).name.lower(),
                    "deadline": rnd.deadline,
                    "cohort": rnd.cohort_size,
                    "acted": rnd.acted,
                    "eligible": rnd.eligible,
                    "revealers": rnd.revealers,
                    "modelHash": _hex(rnd.model_hash),
                    "rewardTotal": rnd.reward_total,
                    "claimed": rnd.claimed,
                }
            )
        versions = []
        for i in range(fc.models.version_count(task_id)):
            v = fc.models.version(task_id, i)
            versions.append(
                {
                    "version": i,
                    "round": v.round,
                    "modelHash": _hex(v.model_hash),
                    "parentHash": _hex(v.parent_hash),
                    "locator": v.locator,
                    "metricsHash": _hex(v.metrics_hash),
                }
            )
        tasks.append(
            {
                "task": task_id,
                "owner": t.owner,
                "aggregator": t.aggregator,
                "mode": Mode(t.mode).name.lower(),
                "closed": t.closed,
                "pool": fc.vault.pool_of(task_id),
                "requiredStake": t.required_stake,
                "cohortSize": t.cohort_size,
                "members": members,
                "rounds": rounds,
                "modelVersions": versions,
            }
        )
    return {
        "chainId": fc.deployment.chain_id,
        "block": fc.w3.eth.block_number,
        "contracts": fc.deployment.contracts,
        "taskCount": fc.coordinator.task_count(),
        "tasks": tasks,
    }


@handle_errors
def status(
    rpc: RpcOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    task: Annotated[int | None, typer.Option(min=1, help="Only this task (default: all).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show tasks, rounds, phases, participants and model versions."""
    with open_deployment(rpc, deployment_file) as (chain, deployment):
        fc = Fedchain(chain.w3, deployment, Transactor(chain.w3))
        if task is not None:
            check_task(fc, task)
        count = fc.coordinator.task_count()
        data = collect_status(fc, [task] if task is not None else list(range(1, count + 1)))
    if as_json:
        print_json(data)
        return
    _render(data)


def _render(data: dict[str, Any]) -> None:
    console.print(f"chain {data['chainId']}, block {data['block']}, {data['taskCount']} task(s)")
    for t in data["tasks"]:
        console.rule(f"task {t['task']} ({t['mode']}{', closed' if t['closed'] else ''})")
        console.print(
            f"owner {t['owner']}  aggregator {t['aggregator']}  pool {t['pool']}  stake {t['requiredStake']}"
        )
        members = Table(title=f"participants ({len(t['members'])})")
        for col in (
            "address",
            "stake",
            "last revealed",
            "absences",
            "disputes lost",
            "faults",
            "dataset commitment",
        ):
            members.add_column(col)
        for m in t["members"]:
            members.add_row(
                m["address"],
                str(m["stake"]),
                str(m["lastRevealedRound"]),
                str(m["absences"]),
                str(m["disputesLost"]),
                str(m["faults"]),
                m["datasetCommitment"][:18] + "...",
            )
        console.print(members)
        rounds = Table(title="rounds")
        for col in (
            "round",
            "phase",
            "acted/eligible",
            "revealers",
            "model hash",
            "rewards claimed",
        ):
            rounds.add_column(col)
        for r in t["rounds"]:
            rounds.add_row(
                str(r["round"]),
                r["phase"],
                f"{r['acted']}/{r['eligible']}",
                str(r["revealers"]),
                r["modelHash"][:18] + "...",
                f"{r['claimed']}/{r['rewardTotal']}",
            )
        console.print(rounds)
        versions = Table(title="model versions")
        for col in ("version", "round", "model hash", "parent hash"):
            versions.add_column(col)
        for v in t["modelVersions"]:
            versions.add_row(
                str(v["version"]),
                str(v["round"]),
                v["modelHash"][:18] + "...",
                v["parentHash"][:18] + "...",
            )
        console.print(versions)
