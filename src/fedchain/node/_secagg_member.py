"""A member's own SecAgg+ steps: advertise keys, share them, commit a masked update, unmask.

Each step writes what it needs later into the state file *before* its transaction, so a node killed at any
point resumes without a second, different message: the round keys and the self-mask seed (sealed, see
:mod:`fedchain.node._secrets`), then the share bundle's and the masked vector's references. The update itself
never leaves the node unmasked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from fedchain.chain.bindings.coordinator import MemberActivity, Phase, Round
from fedchain.chain.client import commitment
from fedchain.exceptions import SecAggError
from fedchain.fl.client import validate_fit_result
from fedchain.fl.typing import Config, from_named, to_named
from fedchain.node._derive import load_model, revealed_events
from fedchain.node._secagg import SecAggPublic, load_public, masked_vectors
from fedchain.node._secrets import seal, state_key, unseal
from fedchain.node.errors import ModelIntegrityError, NodeStateError
from fedchain.privacy.secagg import (
    ReceivedShares,
    RoundKeys,
    build_unmask_bundle,
    create_share_bundle,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
    mask_vector,
    open_share_bundle,
    quantize,
)
from fedchain.storage import ContentRef

if TYPE_CHECKING:
    from fedchain.node.participant import Participant


def secagg_step(p: Participant, r: int, rnd: Round, act: MemberActivity) -> list[str]:
    """The member's next SecAgg+ action in round ``r`` (phases AdvertiseKeys to Unmask), if any."""
    if rnd.phase == Phase.ADVERTISE_KEYS and act.advertised != r and act.joined and not act.suspended:
        if p.fc.coordinator.is_in_cohort(p.task, r, p.fc.address):
            return [_advertise(p, r)]
    elif rnd.phase == Phase.SHARE_KEYS and act.advertised == r and act.shared != r:
        return [_share(p, r)]
    elif rnd.phase == Phase.COMMIT and act.shared == r and act.committed != r:
        return _once(p, r, "sitOut", lambda: _commit(p, r, rnd))
    elif rnd.phase == Phase.REVEAL and act.committed == r and act.revealed != r:
        return [p._reveal(r)]
    elif rnd.phase == Phase.UNMASK and act.revealed == r and act.unmasked != r:
        return _once(p, r, "sitOut", lambda: _unmask(p, r))
    return []


class _SitsOutError(Exception):
    """This member cannot take part in the rest of the round (public data says so); not an error."""


def _once(p: Participant, r: int, flag: str, action: Callable[[], str]) -> list[str]:
    """Run ``action``; if it sits the round out, say so once and stay quiet for the rest of the round."""
    saved = p.state.rounds().setdefault(str(r), {})
    if saved.get(flag):
        return []
    try:
        return [action()]
    except _SitsOutError as reason:
        saved[flag] = True
        p.state.save()
        return [f"round {r}: sits the round out ({reason})"]


def _key(p: Participant) -> bytes:
    if p.fc.signer is None:
        raise NodeStateError("a SecAgg+ member needs its account to seal its round secrets")
    return state_key(p.fc.signer, p.fc.deployment.chain_id, p.fc.coordinator.address, p.task)


def _secrets(p: Participant, r: int) -> tuple[RoundKeys, bytes]:
    """This round's keys and self-mask seed, unsealed from the state file."""
    saved = p.state.rounds().get(str(r), {})
    if "sealed" not in saved:
        raise NodeStateError(f"round {r}: the state file holds no SecAgg+ secrets (were they deleted?)")
    raw = json.loads(unseal(_key(p), saved["sealed"], f"round {r} secagg"))
    keys = RoundKeys.from_private_bytes(bytes.fromhex(raw["maskSk"]), bytes.fromhex(raw["encSk"]))
    return keys, bytes.fromhex(raw["selfSeed"])


def _advertise(p: Participant, r: int) -> str:
    saved = p.state.rounds().setdefault(str(r), {})
    if "sealed" not in saved:
        keys = RoundKeys.generate()
        raw = {"maskSk": keys.mask_sk.hex(), "encSk": keys.enc_sk.hex(), "selfSeed": os.urandom(32).hex()}
        saved["sealed"] = seal(_key(p), json.dumps(raw).encode(), f"round {r} secagg")
        saved["secagg"] = True
        p.state.save()  # before the transaction: a restart advertises the same keys
    keys, _ = _secrets(p, r)
    public = keys.public
    p.fc.coordinator.advertise_keys(p.task, r, public.mask_pk, public.enc_pk)
    return f"round {r}: advertised SecAgg+ keys"


def _share(p: Participant, r: int) -> str:
    saved = p.state.rounds()[str(r)]
    pub = load_public(p.fc, p.store, p.spec, p.task, r)
    me = pub.ids[p.fc.address]
    if "shares" not in saved:
        keys, seed = _secrets(p, r)
        ref = p.store.put(encode_share_bundle(create_share_bundle(pub.rnd, me, keys, seed)))
        saved["shares"] = ref.to_dict()
        p.state.save()
    ref = ContentRef.from_dict(saved["shares"])
    p.fc.coordinator.share_keys(p.task, r, ref.sha256, ref.locator)
    k = len(pub.rnd.graph.neighbours(me))
    return f"round {r}: shared Shamir shares of its secrets with {k} neighbours (t = {pub.rnd.threshold})"


def _commit(p: Participant, r: int, rnd: Round) -> str:
    saved = p.state.rounds()[str(r)]
    if "update" not in saved:
        pub = load_public(p.fc, p.store, p.spec, p.task, r)
        if pub.ids[p.fc.address] not in pub.share_bundles:
            raise _SitsOutError("its share bundle is not valid on the chain's record, so it cannot mask")
        ref = p.store.put(_masked_update(p, r, rnd, pub))
        saved |= {"salt": p.salt_source(32).hex(), "update": ref.to_dict(), "numExamples": 0}
        p.state.save()  # before the commit: a restart reveals this very vector
    ref = ContentRef.from_dict(saved["update"])
    salt = bytes.fromhex(saved["salt"])
    p.fc.coordinator.commit(p.task, r, commitment(p.task, r, p.fc.address, ref.sha256, salt))
    return f"round {r}: committed a masked update {ref.digest_hex[:16]}"


def _masked_update(p: Participant, r: int, rnd: Round, pub: SecAggPublic) -> bytes:
    """Train, quantize ``(model - base)`` with the weight inside, and mask it for the members that shared."""
    head = p.fc.models.head(p.task)
    if head.model_hash != rnd.base_model_hash:
        raise ModelIntegrityError("the model registry head is not the round's base model")
    base = load_model(p.store, p.spec, head.model_hash, head.locator)
    config: Config = {**p.fit_config, "server_round": r}
    fit = validate_fit_result(p.client.fit(from_named(base, p.spec), config), p.spec)
    trained = to_named(fit.parameters, p.spec)
    delta = np.concatenate(
        [np.asarray(trained[t.name], np.float64).ravel() - np.asarray(base[t.name], np.float64).ravel()
         for t in p.spec.tensors]
    )  # fmt: skip
    quant = pub.spec.quantization()
    weight = min(p.num_examples, quant.max_weight)
    vector = quantize(delta, weight, np.random.default_rng(), n_members=len(pub.ids), config=quant)
    me = pub.ids[p.fc.address]
    keys, seed = _secrets(p, r)
    masked = mask_vector(pub.rnd, me, keys, seed, vector, shared=set(pub.share_bundles))
    return encode_masked_vector(pub.rnd.context, me, masked)


def _unmask(p: Participant, r: int) -> str:
    saved = p.state.rounds()[str(r)]
    pub = load_public(p.fc, p.store, p.spec, p.task, r)
    me = pub.ids[p.fc.address]
    if "unmask" not in saved:
        masked, _ = masked_vectors(pub, p.store, revealed_events(p.fc, p.task, r))
        if me not in masked:
            raise _SitsOutError("its masked vector was refused: not a survivor, nothing to unmask")
        keys, _ = _secrets(p, r)
        received: list[ReceivedShares] = []
        for sender in pub.rnd.graph.neighbours(me):
            bundle = pub.share_bundles.get(sender)
            if bundle is None:
                continue  # it never shared: nothing to reveal of it
            try:
                received.append(open_share_bundle(pub.rnd, me, keys, bundle))
            except SecAggError:
                continue  # a forged or misaddressed share: left out (others hold the secret's other shares)
        bundle_out = build_unmask_bundle(pub.rnd, me, received, survivors=set(masked))
        ref = p.store.put(encode_unmask_bundle(bundle_out))
        saved["unmask"] = ref.to_dict()
        saved["unmaskCount"] = len(bundle_out.shares)
        p.state.save()
    ref = ContentRef.from_dict(saved["unmask"])
    p.fc.coordinator.unmask(p.task, r, ref.sha256, ref.locator)
    return f"round {r}: published {saved['unmaskCount']} unmask shares"


def forget_secrets(saved: dict[str, object]) -> None:
    """Delete a finished round's sealed secrets (keys, self-mask seed): nothing left to unmask with."""
    saved.pop("sealed", None)
