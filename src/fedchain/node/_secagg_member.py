"""A member's own SecAgg+ steps: advertise keys, share them, commit a masked update, unmask.

Each step writes what it needs later into the state file *before* its transaction, so a node killed at any
point resumes without a second, different message: the round keys and the self-mask seed (sealed, see
:mod:`fedchain.node._secrets`), then the share bundle's, the masked vector's and the unmask bundle's
references. The update itself never leaves the node unmasked, and the masked vector stays in the node's
private pending folder (:mod:`fedchain.node._pending`) until the member reveals, as a plain update does.

What a member reveals depends on the chain only (:mod:`fedchain.node._secagg`): it masks with every neighbour
that called ``shareKeys`` and, at unmask, reveals for each neighbour the kind ``S`` (the members that called
``reveal``) asks for. A blob it cannot fetch only leaves it without that neighbour's share.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from fedchain.chain.accounts import Signer
from fedchain.chain.bindings.coordinator import MemberActivity, Phase, Round
from fedchain.chain.client import commitment
from fedchain.exceptions import SecAggError, ShareMismatchError
from fedchain.fl.client import validate_fit_result
from fedchain.fl.typing import Config, from_named, to_named
from fedchain.node._derive import load_model, revealed_events
from fedchain.node._secagg import SecAggPublic, load_public, masked_vectors
from fedchain.node._secrets import open_sealed, seal, state_key
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
    random_secret,
)
from fedchain.storage import ContentRef

if TYPE_CHECKING:
    from fedchain.node.participant import Participant


def secagg_step(p: Participant, r: int, rnd: Round, act: MemberActivity) -> list[str]:
    """The member's next SecAgg+ action in round ``r`` (phases AdvertiseKeys to Unmask), if any."""
    if rnd.phase == Phase.ADVERTISE_KEYS and act.advertised != r:
        said: list[str] = []
        if p.may_enter(r, act, said):
            said.append(_advertise(p, r))
            p.count_entry()
        return said
    elif rnd.phase == Phase.SHARE_KEYS and act.advertised == r and act.shared != r:
        if rnd.graph_seed == bytes(32):
            return []  # the graph seed is drawn from the block that closed the advertise phase: not yet
        return [_share(p, r)]
    elif rnd.phase == Phase.COMMIT and act.shared == r and act.committed != r:
        return [_commit(p, r, rnd)]
    elif rnd.phase == Phase.REVEAL and act.committed == r and act.revealed != r:
        return [p._reveal(r)]
    elif rnd.phase == Phase.UNMASK and act.revealed == r and act.unmasked != r:
        return [_unmask(p, r)]
    return []


def _signer(p: Participant) -> Signer:
    if p.fc.signer is None:
        raise NodeStateError("a SecAgg+ member needs its account to seal its round secrets")
    return p.fc.signer


def _key(p: Participant) -> bytes:
    return state_key(_signer(p), p.fc.deployment.chain_id, p.fc.coordinator.address, p.task)


def _secrets(p: Participant, r: int) -> tuple[RoundKeys, bytes]:
    """This round's keys and self-mask seed, unsealed from the state file (a value sealed under the old v1
    key is re-sealed under the current one and saved: :mod:`fedchain.node._secrets`)."""
    saved = p.state.rounds().get(str(r), {})
    if "sealed" not in saved:
        raise NodeStateError(f"round {r}: the state file holds no SecAgg+ secrets (were they deleted?)")
    label = f"round {r} secagg"
    chain_id, coordinator = p.fc.deployment.chain_id, p.fc.coordinator.address
    secret, resealed = open_sealed(_signer(p), chain_id, coordinator, p.task, saved["sealed"], label)
    if resealed is not None:
        saved["sealed"] = resealed
        p.state.save()
    raw = json.loads(secret)
    keys = RoundKeys.from_private_bytes(bytes.fromhex(raw["maskSk"]), bytes.fromhex(raw["encSk"]))
    return keys, bytes.fromhex(raw["selfSeed"])


def _advertise(p: Participant, r: int) -> str:
    saved = p.state.rounds().setdefault(str(r), {})
    if "sealed" not in saved:
        keys = RoundKeys.generate()
        raw = {"maskSk": keys.mask_sk.hex(), "encSk": keys.enc_sk.hex(), "selfSeed": random_secret().hex()}
        saved["sealed"] = seal(_key(p), json.dumps(raw).encode(), f"round {r} secagg")
        saved["secagg"] = True
        p.state.save()  # before the transaction: a restart advertises the same keys
    keys, _ = _secrets(p, r)
    public = keys.public
    p.fc.coordinator.advertise_keys(p.task, r, public.mask_pk, public.enc_pk)
    return f"round {r}: advertised SecAgg+ keys"


def _share(p: Participant, r: int) -> str:
    saved = p.state.rounds()[str(r)]
    pub = load_public(p.fc, p.store, p.spec, p.task, r, bundles=False)
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
        pub = load_public(p.fc, p.store, p.spec, p.task, r, bundles=False)
        masked = _masked_update(p, r, rnd, pub)
        ref = p.pending.keep(p.store, masked)  # kept private: published only when it reveals (Participant)
        saved |= {"salt": p.salt_source(32).hex(), "update": ref.to_dict(), "numExamples": 0}
        p.state.save()  # before the commit: a restart reveals this very vector
    ref = ContentRef.from_dict(saved["update"])
    salt = bytes.fromhex(saved["salt"])
    p.fc.coordinator.commit(p.task, r, commitment(p.task, r, p.fc.address, ref.sha256, 0, salt))
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
    masked = mask_vector(pub.rnd, me, keys, seed, vector, shared=pub.shared)  # the sharers, on-chain
    return encode_masked_vector(pub.rnd.context, me, masked)


def _unmask(p: Participant, r: int) -> str:
    saved = p.state.rounds()[str(r)]
    if "unmask" not in saved:
        pub = load_public(p.fc, p.store, p.spec, p.task, r)
        me = pub.ids[p.fc.address]
        revealed = revealed_events(p.fc, p.task, r)
        survivors = {pub.ids[e.member] for e in revealed}  # S: on-chain, the same for everyone
        mine = set(pub.rnd.graph.neighbours(me))
        vectors = masked_vectors(pub, p.store, [e for e in revealed if pub.ids[e.member] in mine])
        keys, _ = _secrets(p, r)
        received = [
            share for sender in sorted(mine) if (share := _received(pub, me, keys, sender)) is not None
        ]
        bundle_out = build_unmask_bundle(pub.rnd, me, received, survivors, malformed=vectors.malformed)
        ref = p.store.put(encode_unmask_bundle(bundle_out))
        saved["unmask"] = ref.to_dict()
        saved["unmaskCount"] = len(bundle_out.shares)
        p.state.save()
    ref = ContentRef.from_dict(saved["unmask"])
    p.fc.coordinator.unmask(p.task, r, ref.sha256, ref.locator)
    return f"round {r}: published {saved['unmaskCount']} unmask shares"


def _received(pub: SecAggPublic, me: int, keys: RoundKeys, sender: int) -> ReceivedShares | None:
    """The shares ``sender`` dealt this member, or ``None`` (it did not share, or they cannot be opened).

    A share that matches its hash commitment but not the dealer's Feldman polynomial is kept: revealed, it is
    public evidence against the dealer (the aggregator blames it) and says nothing about this member.
    """
    bundle = pub.share_bundles.get(sender)
    if bundle is None:
        return None  # it did not share, its bundle is malformed (its own fault), or it is unavailable here
    try:
        return open_share_bundle(pub.rnd, me, keys, bundle)
    except ShareMismatchError:
        try:
            return open_share_bundle(pub.rnd, me, keys, bundle, verify_dealing=False)
        except SecAggError:
            return None
    except SecAggError:
        return None  # forged or misaddressed: others hold the secret's other shares


def forget_secrets(saved: dict[str, object]) -> None:
    """Delete a finished round's sealed secrets (keys, self-mask seed): nothing left to unmask with."""
    saved.pop("sealed", None)
