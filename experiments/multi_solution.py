"""Multi-solution analysis of a trained checkpoint (the paper's Table 1, Fig. 4 right, Fig. 15).

    python -m experiments.multi_solution RUN_DIR [--samples 20] [--ptrm-sigma 0.1 0.3] [--out FILE]

Reads RUN_DIR/ckpt (an Agent saved by ``python -m benchmarks.train_gpu``), draws N trajectories per test
instance in one batch, scores them with the env's own ``evaluate`` and writes
RUN_DIR/analysis.json with:

- ``accuracy``: mean validity over all N samples (each sample is one answer of the model);
  ``vote_accuracy`` / ``lprm_accuracy``: validity of the selected answer;
- ``coverage``: distinct valid completions found in N samples / all valid completions,
  averaged over instances, and ``coverage_at``: the same for the first n = 1..N samples;
- ``conflicts_sum_per_sample``: conflict edges summed over the test set for one sample
  per instance (mean over the N samples): the paper's "conflict edges" reading (a sum);
- ``accuracy_by_num_solutions``: per-sample accuracy grouped by how many valid
  completions the input has (Fig. 4 right), and ``coverage_by_num_solutions``: the
  distinct valid completions found per input and the coverage, grouped the same way (do
  the samples miss completions because there are too few samples, or never reach them?);
- ``ptrm``: the same metrics for test-time noise on the checkpoint (PTRM), per sigma;
- ``temperature``: the same metrics at other constant temperatures, per temperature.

Every model of ``gram_agent.config.MODELS`` is analysed. ``--temperature`` (the main analysis) and
``--temperatures`` scale GRAM's prior sigma, or the softmax of each draw of AR, MDLM and D3PM.
A deterministic model (TRM, HRM, Direct Pred, Looped TF) computes one answer per input and repeats it
N times, so its coverage counts at most one completion per input; it refuses temperatures, and the
one-shot baselines (no recursive latent) refuse ``--ptrm-sigma``. ``sampling`` in the output says which.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from benchmarks.common import env_kwargs_arg
from gram_agent.cli import parse_temperature
from gram_agent.evaluation import analyse
from gram_agent.recipes import format_temperature
from gram_envs.core.metrics import provenance


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("run_dir")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--ptrm-sigma", type=float, nargs="*", default=[])
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--instances", type=int, default=0, help="analyse the first M test instances (0: all)")
    p.add_argument("--temperature", type=parse_temperature, default=1.0,
                   help="temperature of the main analysis: one number, or one per supervision step as "
                        "VALUExCOUNT parts (GRAM), e.g. 3x2,0.5x14; 1.0 is the paper's sampling")
    p.add_argument("--temperatures", type=float, nargs="*", default=[],
                   help="also sample at each of these constant temperatures (stochastic models only)")
    p.add_argument("--out", default=None, help="where to write the analysis (default: RUN_DIR/analysis.json)")
    p.add_argument("--env-kwargs", type=env_kwargs_arg, default={},
                   help='score on other data of the same env, e.g. \'{"p": 0.5}\' (denser graphs); needs --out')
    args = p.parse_args()
    if args.env_kwargs and not args.out:
        p.error("--env-kwargs scores other data than the run's: name the file with --out")
    t0 = time.monotonic()
    prov = provenance()  # the code the analysis starts from (commits made while it runs do not count)

    from gram_agent.infer import Agent, make_env
    from gram_agent.model.baselines import OneShotModel

    ckpt = os.path.join(args.run_dir, "ckpt")
    agent = Agent.load(ckpt)
    kind = agent.config.model
    if args.ptrm_sigma and isinstance(agent.model, OneShotModel):
        p.error(f"--ptrm-sigma perturbs a recursive latent; model {kind!r} makes one pass and has none")
    if not agent.stochastic and (args.temperatures or args.temperature != 1.0):
        p.error(f"--temperature(s) scale the sampling of gram, ar, mdlm or d3pm; model {kind!r} is deterministic")
    if isinstance(args.temperature, list) and not agent.config.guided:
        p.error(f"a temperature per supervision step needs model 'gram'; model {kind!r} takes one number")
    if args.env_kwargs:  # the same env on other data: the tokens must be the ones the model was trained on
        agent = Agent.load(ckpt, env=make_env(agent.spec.env_id, **{**agent.spec.env_kwargs, **args.env_kwargs}))
    env = agent.env
    ds = env.unwrapped.dataset("test", **agent.config.dataset_kwargs)
    if (ds.vocab_size, ds.seq_len) != (agent.spec.vocab_size, agent.spec.seq_len):
        raise SystemExit(f"--env-kwargs {args.env_kwargs} gives vocab {ds.vocab_size} / length {ds.seq_len}; the "
                         f"model takes {agent.spec.vocab_size} / {agent.spec.seq_len}")
    ids, inputs = ds.instance_ids, ds.instance_inputs
    if args.instances:
        ids, inputs = ids[:args.instances], inputs[:args.instances]
    roll = agent.rollout(inputs, samples=args.samples, seed=args.seed, temperature=args.temperature)
    cands = env.unwrapped.detokenize(roll["tokens"].cpu().numpy())
    sampling = (f"{args.samples} draws per input" if agent.stochastic
                else f"deterministic: one answer per input, repeated {args.samples} times")
    out = {"model": kind, "guidance_mode": agent.config.guidance_mode, "sampling": sampling,
           "main_temperature": format_temperature(args.temperature),
           "test_instances": int(len(ids)), "test_instances_total": int(len(ds.instance_ids)),
           "main": analyse(env, ids, cands, roll, agent)}
    out["ptrm"] = {}
    for sigma in args.ptrm_sigma:
        r = agent.rollout(inputs, samples=args.samples, seed=args.seed, ptrm_sigma=sigma)
        c = env.unwrapped.detokenize(r["tokens"].cpu().numpy())
        out["ptrm"][str(sigma)] = analyse(env, ids, c, r, agent)
    out["temperature"] = {}
    for temp in args.temperatures:
        r = agent.rollout(inputs, samples=args.samples, seed=args.seed, temperature=temp)
        c = env.unwrapped.detokenize(r["tokens"].cpu().numpy())
        out["temperature"][str(temp)] = analyse(env, ids, c, r, agent)
    out["analysis_time_s"] = time.monotonic() - t0
    if args.out:  # a side analysis of a stored run: say what was run, on which data and code
        out = {**prov, "device": str(agent.device), "env_kwargs": dict(env.spec.kwargs or {}), **out}
    with open(args.out or os.path.join(args.run_dir, "analysis.json"), "w") as f:
        json.dump(out, f, indent=1)
    main = out["main"]
    print(json.dumps({"run": args.run_dir, "accuracy": main.get("accuracy"), "coverage": main.get("coverage"),
                      "conflicts_sum_per_sample": main["conflicts_sum_per_sample"],
                      "ptrm": {s: (v.get("accuracy"), v.get("coverage")) for s, v in out["ptrm"].items()},
                      "temperature": {t: (v.get("accuracy"), v.get("coverage")) for t, v in out["temperature"].items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
