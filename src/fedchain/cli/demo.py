"""``fedchain demo``: the end-to-end scenario on the embedded chain (or a local devnet)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.panel import Panel
from rich.table import Table

from fedchain.chain.gas import gas_table
from fedchain.cli._common import JsonOption, console, handle_errors, print_json
from fedchain.demo import DemoConfig, DemoResult, run_demo
from fedchain.demo.scenario import TOKEN


@handle_errors
def demo(
    chain: Annotated[
        Literal["embedded", "devnet"],
        typer.Option(help="embedded: in-process EVM (py-evm); devnet: a local anvil node."),
    ] = "embedded",
    participants: Annotated[int, typer.Option(min=1, max=8, help="Number of hospitals.")] = 3,
    out: Annotated[Path, typer.Option(help="Where blobs and the audit file go.")] = Path("fedchain-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the data split.")] = 7,
    as_json: JsonOption = False,
) -> None:
    """Deploy, create a task, let hospitals join, run one commit/reveal/aggregate/finalize round."""
    config = DemoConfig(chain=chain, participants=participants, out_dir=out, seed=seed)
    if as_json:
        print_json(_as_dict(run_demo(config)))
        return
    console.rule(f"fedchain demo: {participants} hospitals, breast-cancer data, {chain} chain")
    with console.status("starting...") as status:

        def report(step: str, detail: str) -> None:
            console.print(f"[bold cyan]{step:>9}[/]  {detail}", highlight=False)
            status.update(f"{step}: {detail}")

        result = run_demo(config, report)
    _print_result(result)


def _print_result(result: DemoResult) -> None:
    hospitals = Table(title=f"Task {result.task_id}, round {result.round_number}: {result.phase}")
    for col in (
        "hospital",
        "address",
        "records",
        "local-only acc.",
        "update sha256",
        "verdict",
        "reward (FED)",
    ):
        hospitals.add_column(col, justify="right" if col in ("records", "reward (FED)") else "left")
    for h in result.hospitals:
        hospitals.add_row(
            h.name,
            h.address[:10] + "...",
            str(h.examples),
            f"{h.local_accuracy:.3f}",
            h.update_hash[:16] + "...",
            "attested" if h.attested else "challenged",
            f"{h.reward / TOKEN:.2f}",
        )
    console.print(hospitals)

    models = Table(title="Model registry (hash-linked)")
    for col in ("version", "round", "model hash", "parent hash", "locator"):
        models.add_column(col)
    for v in result.model_versions:
        models.add_row(
            str(v["version"]),
            str(v["round"]),
            v["modelHash"][:18] + "...",
            v["parentHash"][:18] + "...",
            v["locator"][:40] + "...",
        )
    console.print(models)
    console.print(gas_table(result.ledger))

    seen = Table(title="Who could see what", show_header=False)
    for party, what in result.visibility:
        seen.add_row(f"[bold]{party}[/]", what)
    console.print(seen)
    console.print(
        Panel.fit(
            f"global model accuracy on held-out records: [bold]{result.global_accuracy:.3f}[/] "
            f"(initial model {result.initial_accuracy:.3f}), log-loss {result.global_loss:.3f}\n"
            f"{len(result.ledger)} transactions, {result.ledger.total():,} gas, {result.seconds:.1f} s\n"
            f"audit file: {result.audit_path}",
            title="done",
        )
    )


def _as_dict(result: DemoResult) -> dict[str, object]:
    data: dict[str, object] = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    data["hospitals"] = [dataclasses.asdict(h) for h in result.hospitals]
    data["ledger"] = json.loads(result.ledger.to_json())
    data["audit_path"] = str(result.audit_path)
    return data
