"""Run the multi-solution table (paper Table 1 + ablations) as parallel jobs on the GPUs.

    python -m experiments.run_table1 --jobs nq8-gram nq8-trm ... --minutes 6.5 --out $OUT/table1

Each job is one ``train_gpu.py`` run (time-budgeted, own process, own GPU slot assigned
round-robin over the visible GPUs) followed by ``multi_solution.py`` on its checkpoint; a run that
kept snapshots (config ``snapshot_every``) first adopts the one ``select_snapshot.py`` chooses on
training inputs.
The JSON results of every job are gathered under --out (checkpoints stay in --work unless
--keep-ckpt names the jobs whose bf16 checkpoint should be copied too), so one device
call returns the whole table in a few small files.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

from benchmarks.common import TABLE1_TASKS, store_results
from gram_agent.config import PAPER_BETA

#: job name -> (env id, model, extra train_gpu.py args, extra multi_solution.py args)
JOBS: dict[str, tuple[str, str, list[str], list[str]]] = {}
#: GRAM jobs analysed at the paper's temperature only: four temperatures over NQ10's 2,000 inputs
#: do not fit beside the training in one device command
ONLY_PAPER_TEMPERATURE: set[str] = set()
# Plain GRAM jobs use the ELBO reading of the KL (config.kl_reduce="elbo") with the paper's beta per task.
# Variants (each also with -s1): "-sum" the summed-KL reading (answer-length times the ELBO's price per
# nat); "-anneal" beta from that summed-equivalent price down to the paper's over 6,000 steps;
# "-priorce" the ELBO objective plus the nearest-solution CE on the prior sample (config.prior_ce_weight).
for task, (env_id, answer_tokens) in TABLE1_TASKS.items():
    # NQ10's test split has 6,513 inputs: analyse the first 2,000 so the analysis fits the command limit
    limit = ["--instances", "2000"] if task == "nq10" else []
    start = PAPER_BETA[env_id] * answer_tokens
    prior = ["--set", "kl_reduce=elbo", "--set", "train_rollout=prior", "--set", "target_permutations=False"]
    imle = ["--set", "target=matched", "--set", "match_group=4", "--set", "match_draw=imle"]
    spread = ["--set", "target=matched", "--set", "match_group=4", "--set", "match_draw=spread"]
    variants = {
        "": ["--set", "kl_reduce=elbo"],
        "-sum": ["--set", "kl_reduce=sum"],
        "-anneal": ["--set", "kl_reduce=elbo", "--set", f"beta_start={start:g}", "--set", "beta_anneal_steps=6000"],
        "-priorce": ["--set", "kl_reduce=elbo", "--set", "prior_ce_weight=1.0"],
        "-nearest": ["--set", "kl_reduce=elbo", "--set", "target=nearest"],
        "-sum-nearest": ["--set", "kl_reduce=sum", "--set", "target=nearest"],
        # colourings: the nearest of the stored canonical colourings only, not of their colour renamings
        "-nearest-canon": ["--set", "kl_reduce=elbo", "--set", "target=nearest", "--set", "target_permutations=False"],
        "-sum-nearest-canon": ["--set", "kl_reduce=sum", "--set", "target=nearest", "--set", "target_permutations=False"],
        # the nearest target on a random share of the slots each step; the rest keep their drawn label
        "-nearest-p0.5": ["--set", "kl_reduce=elbo", "--set", "target=nearest", "--set", "nearest_prob=0.5"],
        "-nearest-p0.75": ["--set", "kl_reduce=elbo", "--set", "target=nearest", "--set", "nearest_prob=0.75"],
        # completions drawn uniformly and matched one-to-one to groups of 4 prior samples of one input
        "-matched": ["--set", "kl_reduce=elbo", "--set", "target=matched", "--set", "match_group=4"],
        # each of 4 drawn completions pulls the group's sample nearest to it; the rest keep their nearest
        "-imle-canon": ["--set", "kl_reduce=elbo", "--set", "target=matched", "--set", "match_group=4",
                        "--set", "match_draw=imle", "--set", "target_permutations=False"],
        # the CE trains the prior sample itself (no posterior, no KL; config train_rollout), with the
        # IMLE or the nearest target chosen from that same sample (kl_reduce is named only to pin the job)
        "-prior-imle-canon": [*prior, *imle],
        "-prior-nearest-canon": [*prior, "--set", "target=nearest"],
        # the same with a random start per slot and per sample (config start_noise, std 1 or 2)
        "-prior-nearest-canon-start1": [*prior, "--set", "target=nearest", "--set", "start_noise=1.0"],
        "-prior-nearest-canon-start2": [*prior, "--set", "target=nearest", "--set", "start_noise=2.0"],
        # random starts (std 1) with IMLE pulls on a tenth of the slots and the nearest target elsewhere
        # (config match_prob): the nearest target alone never trains towards colourings it never visits
        "-prior-imle0.1-canon-start1": [*prior, *imle, "--set", "match_prob=0.1", "--set", "start_noise=1.0"],
        # random starts (std 1) with groups of 4 slots of one input pushed onto distinct completions, each
        # the nearest its group has not taken (match_draw=spread): duplicates are pushed to unvisited ones;
        # "-spread0.1"/"-spread0.25": on that share of the slots, the own nearest completion elsewhere
        "-prior-spread-canon-start1": [*prior, *spread, "--set", "start_noise=1.0"],
        "-prior-spread0.1-canon-start1": [*prior, *spread, "--set", "match_prob=0.1", "--set", "start_noise=1.0"],
        "-prior-spread0.25-canon-start1": [*prior, *spread, "--set", "match_prob=0.25", "--set", "start_noise=1.0"],
        "-prior-spread0.25-canon-start2": [*prior, *spread, "--set", "match_prob=0.25", "--set", "start_noise=2.0"],
        # spread on every slot, ramped in from the nearest target over the first 4k steps (config
        # match_ramp_steps): spread from the start has an early plateau (s9-call1, s9-call2)
        "-prior-spreadramp-canon-start1": [*prior, *spread, "--set", "match_ramp_steps=4000", "--set", "start_noise=1.0"],
        # the same in groups of 8 slots of one input (8 distinct completions where the input has as many)
        "-prior-spread0.25g8-canon-start1": [*prior, "--set", "target=matched", "--set", "match_group=8", "--set",
                                             "match_draw=spread", "--set", "match_prob=0.25", "--set", "start_noise=1.0"],
        # the canonical nearest target with the prior's noise x6 in each slot's first 2 steps (training)
        "-nearest-canon-hot": ["--set", "kl_reduce=elbo", "--set", "target=nearest", "--set", "target_permutations=False",
                               "--set", "hot_start_steps=2", "--set", "hot_start_temperature=6"],
        # groups of 4 samples of one input pushed onto distinct nearby completions (match_draw=spread)
        "-spread": ["--set", "kl_reduce=elbo", *spread],
    }
    for seed in (0, 1, 2):
        suffix = "" if seed == 0 else f"-s{seed}"
        ptrm = ["--ptrm-sigma", "0.1", "0.3", "1.0"] if task == "nq8" else []
        for vname, extra in variants.items():
            JOBS[f"{task}-gram{vname}{suffix}"] = (env_id, "gram", ["--seed", str(seed), *extra], limit)
            if task == "nq10":
                ONLY_PAPER_TEMPERATURE.add(f"{task}-gram{vname}{suffix}")
        JOBS[f"{task}-trm{suffix}"] = (env_id, "trm", ["--seed", str(seed)], [*ptrm, *limit])
        JOBS[f"{task}-trm-nearest{suffix}"] = (env_id, "trm", ["--seed", str(seed), "--set", "target=nearest"], limit)
# NQ8 KL-scale variants under the ELBO reading, and the per-token reading used before (token_mean, beta 0.3)
for beta in ("0.3", "1.0"):
    JOBS[f"nq8-gram-b{beta}"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", f"beta={beta}"], [])
JOBS["nq8-gram-anneal-priorce"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "beta_start=4.48", "--set",
                                   "beta_anneal_steps=6000", "--set", "prior_ce_weight=1.0"], [])
JOBS["nq8-gramtm"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=token_mean", "--set", "beta=0.3"], [])
JOBS["nq8-gram-priorce-smax0.3"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "prior_ce_weight=1.0",
                                    "--set", "sigma_max=0.3"], [])
JOBS["nq8-gram-nearest-smax0.3"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "target=nearest",
                                    "--set", "sigma_max=0.3"], [])
# CUDA graphs (torch.compile mode "reduce-overhead") on the summed-KL GRAM and on TRM: same objective, faster steps
JOBS["nq8-gram-sum-cg"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=sum", "--set", "compile_mode=reduce-overhead"], [])
JOBS["nq8-gram-nearest-cg"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "target=nearest",
                               "--set", "compile_mode=reduce-overhead"], [])
JOBS["nq8-trm-cg"] = ("GRAM/NQueens-8", "trm", ["--set", "compile_mode=reduce-overhead"], [])
#: fine-tuning (config ``init_from``): the nearest-target model (100.0 / 83.4) trained on under the paper's
#: label target, so the posterior can learn which completion to pick while the decoder already lands on
#: valid boards. Its checkpoint was pruned from the tree in session 9: `git checkout 6b0e9bc -- PATH`
NQ8_NEAREST_CKPT = HERE / "results" / "table1" / "s3-call3" / "nq8-gram-nearest-cg" / "ckpt"
JOBS["nq8-gram-ft-label"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "target=label",
                             "--set", f"init_from={NQ8_NEAREST_CKPT}"], [])
JOBS["nq8-zeromean"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "guidance_mode=zero_mean"], [])
JOBS["nq8-zerovar"] = ("GRAM/NQueens-8", "gram", ["--set", "kl_reduce=elbo", "--set", "guidance_mode=zero_var"], [])
#: prior temperatures every GRAM analysis also samples at (besides 1.0, the paper's)
TEMPERATURES = ["0.5", "1.5", "2.0"]
#: GC8 on denser graphs (edge probability 0.5, train_gpu --env-kwargs; the env's default is 0.4). The
#: paper's GC8 coverages (AR 83.0, MDLM 84.5, GRAM 85.8) are above what 20 independent samples can
#: expect on p = 0.4 graphs (79.9%) and within it from p = 0.45-0.475 on (results/coverage_bounds.json)
for _name in ("gc8-gram-prior-nearest-canon-start1", "gc8-gram-prior-spread0.1-canon-start1",
              "gc8-gram-prior-spread-canon-start1", "gc8-gram-prior-spreadramp-canon-start1", "gc8-trm-nearest"):
    for _seed in ("", "-s1", "-s2"):
        _env, _model, _args, _ana = JOBS[_name + _seed]
        JOBS[_name.replace("gc8-", "gc8-edgep0.5-", 1) + _seed] = (_env, _model, [*_args, "--env-kwargs", '{"p": 0.5}'],
                                                             _ana)
#: session 10's recipe in one run from scratch, for a second seed of it: groups of 16 (spread), ramped in
#: from the nearest target over 8k steps (spread from scratch has an early plateau), the lr decaying by
#: cosine to a tenth over 25k or 50k steps. Seed 0's five legs took about 93k steps (s9-call1 to
#: s10-call3). Measured (s11-call1, 50k alone on a GPU: 48.2k steps in a 6.6-minute budget, 163.5
#: steps/s after a 45 s compile): it collapsed, 1.2% of samples valid
for _steps in (25_000, 50_000):
    for _seed in ("", "-s1"):
        _env, _model, _args, _ana = JOBS["gc8-edgep0.5-gram-prior-spreadramp-canon-start1" + _seed]
        JOBS[f"gc8-edgep0.5-gram-prior-spread16ramp-canon-start1-{_steps // 1000}k{_seed}"] = (
            _env, _model, [*_args, "--set", "match_group=16", "--set", "match_ramp_steps=8000",
                           "--set", f"max_steps={_steps}", "--set", "lr_min_ratio=0.1"], _ana)
#: session 11: the ramp above collapsed from scratch (s11-call1: 1.2% valid at 48k steps; the prior's
#: learned sigma ended at 0.03). Here the nearest target alone trains the first 5k steps (it is 100%
#: valid within 19k, s9), then spread in groups of 16 ramps in over 5k (config match_ramp_start).
#: Measured (s11-call2, two to a GPU: 24.7k of the 28k steps in a 7.2-minute budget): both seeds
#: collapsed too, 11.3% and 9.4% valid
for _seed in ("", "-s1"):
    _env, _model, _args, _ana = JOBS["gc8-edgep0.5-gram-prior-spreadramp-canon-start1" + _seed]
    JOBS[f"gc8-edgep0.5-gram-prior-nearest5k-spread16-canon-start1-28k{_seed}"] = (
        _env, _model, [*_args, "--set", "match_group=16", "--set", "match_ramp_start=5000", "--set",
                       "match_ramp_steps=5000", "--set", "max_steps=28000", "--set", "lr_min_ratio=0.1"], _ana)
#: training continued over several device commands (config ``init_from``, weights only): new job ->
#: (the job it continues, the committed run whose checkpoint it starts from). Start checkpoints pruned
#: from the tree (tests/test_repo_size.py) come back with `git checkout COMMIT -- PATH`: s8-call2's
#: from 76277d8, s8-call3's from 1499520, s9-call1's from 6b0e9bc, s9-call2's seed 1 from 411cc1f,
#: s9-call2's -cont from dedd9de, s10-call1's -settle-g8 from 82cbea3, s10-call2's -settle2-g16 from e5640e4,
#: s12-call2b's -g8-g16 seeds 1 and 2 from a89f8e7 and bc2b3f8 (s12-call4's end models: c97208b, 5d2db19)
CONTINUED = {
    "gc8-gram-prior-spread0.1-canon-start1-cont": ("gc8-gram-prior-spread0.1-canon-start1",
                                                   "s8-call2/gc8-gram-prior-spread0.1-canon-start1"),
    "gc8-gram-prior-spread0.1-canon-start1-cont2": ("gc8-gram-prior-spread0.1-canon-start1",
                                                    "s8-call3/gc8-gram-prior-spread0.1-canon-start1-cont"),
    "gc8-edgep0.5-gram-prior-spread-canon-start1-cont": ("gc8-edgep0.5-gram-prior-spread-canon-start1",
                                                         "s9-call1/gc8-edgep0.5-gram-prior-spread-canon-start1"),
    "gc8-edgep0.5-gram-prior-spread-canon-start1-cont2": ("gc8-edgep0.5-gram-prior-spread-canon-start1",
                                                          "s9-call2/gc8-edgep0.5-gram-prior-spread-canon-start1-cont"),
    # seed 1 stayed on the early plateau (16% accuracy after 16k steps) that seed 0 left near step 8k
    "gc8-edgep0.5-gram-prior-spread-canon-start1-s1-cont": ("gc8-edgep0.5-gram-prior-spread-canon-start1-s1",
                                                            "s9-call2/gc8-edgep0.5-gram-prior-spread-canon-start1-s1"),
}
#: continued legs that also change the recipe: new job -> (job continued, start run, extra train args).
#: From the best GC8 p = 0.5 model (s9-call2's second leg; its third leg at constant lr lost ground):
#: "-settle" decays the lr by cosine to a tenth over 16k steps (a 5.5-minute budget two to a GPU makes
#: about 18k); "-g8" pushes groups of 8 slots onto distinct colourings (most graphs have 8 or fewer, and
#: the best model loses most on graphs with 3-8)
_SPREAD_P5 = "gc8-edgep0.5-gram-prior-spread-canon-start1"
_SETTLE = ["--set", "max_steps=16000", "--set", "lr_min_ratio=0.1"]
_G8 = ["--set", "match_group=8"]
_HOT = ["--set", "hot_start_steps=2", "--set", "hot_start_temperature=20"]
CONTINUED_VARIANTS = {
    f"{_SPREAD_P5}-settle": (_SPREAD_P5, f"s9-call2/{_SPREAD_P5}-cont", _SETTLE),
    f"{_SPREAD_P5}-settle-g8": (_SPREAD_P5, f"s9-call2/{_SPREAD_P5}-cont", [*_SETTLE, *_G8]),
}
#: a second settled leg from the groups-of-8 one (s10-call1: 84.4% coverage at its chosen schedule against
#: 82.8% in groups of 4), over 12k steps (three to a GPU): groups of 8 again, of 16, and of 8 with hot-start
#: training ("-hot": the prior's noise x20 for each slot's first 2 steps, the chosen test schedule's start;
#: the model's learned sigma had fallen from 0.23 to 0.09 over s9-call2's leg)
_SETTLE2 = ["--set", "max_steps=12000", "--set", "lr_min_ratio=0.1"]
for _suffix, _extra in {"g8": _G8, "g16": ["--set", "match_group=16"], "g8-hot": [*_G8, *_HOT]}.items():
    CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle2-{_suffix}"] = (_SPREAD_P5, f"s10-call1/{_SPREAD_P5}-settle-g8",
                                                            [*_SETTLE2, *_extra])
#: a third settled leg (14k steps, three to a GPU) from the groups-of-16 one (s10-call2: 85.2% coverage at
#: its chosen schedule with 3.2 conflicts, where a second groups-of-8 leg had brought conflicts from 2.75
#: down to 0.5): groups of 16 again (the leg drawn with seed 0 or 1), or back to groups of 8
_SETTLE3 = ["--set", "max_steps=14000", "--set", "lr_min_ratio=0.1"]
for _suffix, (_base, _extra) in {"g16": (_SPREAD_P5, ["--set", "match_group=16"]),
                                 "g16-s1": (f"{_SPREAD_P5}-s1", ["--set", "match_group=16"]),
                                 "g8": (_SPREAD_P5, _G8)}.items():
    CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle3-{_suffix}"] = (_base, f"s10-call2/{_SPREAD_P5}-settle2-g16",
                                                            [*_SETTLE3, *_extra])
#: a fourth settled leg (24k steps, two to a GPU) from the best groups-of-16 one (s10-call3: 86.1% coverage at
#: T 1.0 in its Table 1 draw, 85.2 +- 0.8 over 8 sampling seeds), drawn with seed 0 and with seed 1. Session 11
#: trained spread in groups of 16 from scratch twice and it collapsed (s11-call1, s11-call2), so this
#: lineage is the one seed of the recipe the device budget holds
_SETTLE4 = ["--set", "max_steps=24000", "--set", "lr_min_ratio=0.1", "--set", "match_group=16"]
for _suffix, _base in {"g16": _SPREAD_P5, "g16-s1": f"{_SPREAD_P5}-s1"}.items():
    CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle4-{_suffix}"] = (_base, f"s10-call3/{_SPREAD_P5}-settle3-g16", _SETTLE4)
#: both lost about 2 coverage points (s11-call3: 83.1 and 82.6 over 8 sampling seeds). The same leg at a
#: fifth of the peak lr (5e-5, cosine to a tenth of it over 36k steps, alone on a GPU) asks whether the
#: restart to the full lr is what undoes the previous leg
CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle4-g16-lowlr"] = (
    _SPREAD_P5, f"s10-call3/{_SPREAD_P5}-settle3-g16", [*_SETTLE4, "--set", "lr=5e-5", "--set", "max_steps=36000"])
#: session 12: seed 0's path for seeds 1 and 2, its early plateau removed. Groups cut the graphs per
#: step and slow learning (CPU, session 11), so the nearest target trains first without groups (256
#: graphs a step; s9: 100% valid within 16-19k steps), its lr decaying by cosine to a tenth over 18k;
#: then spread legs from it (``init_from``), each decaying from the peak lr: groups of 8 over 14k steps,
#: of 16 over 12k, of 16 again over 14k (seed 0 went groups of 4, 8, 16, 16). Each leg starts from the
#: checkpoint the leg before it stored under results/table1/<call>/<job>/ckpt: (leg, steps, group, the
#: call that stored its start). A device call ran two legs one after the other (call2a,
#: then call2b); both stopped at their time budget short of max_steps (12.6k of 14k, 10.9k of 12k), their
#: lr at 3e-5 against a floor of 2.5e-5. Measured (T 1.0, Table 1 draw): nearest 63.1 / 66.0% coverage,
#: then groups of 8 79.7 / 73.2, of 16 81.3 / 79.1, of 16 again 79.4 / 78.5 (seeds 1 / 2)
_NEAREST_P5 = "gc8-edgep0.5-gram-prior-nearest-canon-start1"


def _b1024(steps: int, *extra: str) -> list[str]:
    """A groups-of-16 leg in a batch of 1024 (64 graphs a step), the lr decaying to a tenth over ``steps``."""
    return ["--set", "batch_size=1024", "--set", "match_group=16", "--set", f"max_steps={steps}",
            "--set", "lr_min_ratio=0.1", *extra]


#: session 14: the paper's width (D = 512, 8 heads, guidance MLP 512: 9.6M parameters against the small
#: preset's 2.4M and the paper's 10M) on the nearest target's 18k-step first leg, to compare with the
#: small preset's (s12-call1: 63.1 and 66.0% coverage at 0.2 and 0.1 conflicts). Asks whether width is
#: a lever on GC8 coverage before a future session spends the full lineage on it
_PAPER_WIDTH = ["--set", "d_model=512", "--set", "n_heads=8", "--set", "guidance_hidden=512"]
_CHAIN = [("g8", 14000, 8, "s12-call1"), ("g16", 12000, 16, "s12-call2a"), ("g16b", 14000, 16, "s12-call2b")]
for _seed in ("-s1", "-s2"):
    _env, _model, _args, _ana = JOBS[_NEAREST_P5 + _seed]
    JOBS[f"{_NEAREST_P5}-18k{_seed}"] = (_env, _model, [*_args, "--set", "max_steps=18000", "--set", "lr_min_ratio=0.1"],
                                         _ana)
    JOBS[f"{_NEAREST_P5}-18k-d512{_seed}"] = (_env, _model, [*JOBS[f"{_NEAREST_P5}-18k{_seed}"][2], *_PAPER_WIDTH],
                                              _ana)
    _path, _prev = f"{_NEAREST_P5}-18k", f"{_NEAREST_P5}-18k{_seed}"
    for _leg, _steps, _group, _call in _CHAIN:
        _path += f"-{_leg}"
        CONTINUED_VARIANTS[_path + _seed] = (f"{_SPREAD_P5}{_seed}", f"{_call}/{_prev}", [
            "--set", f"max_steps={_steps}", "--set", "lr_min_ratio=0.1", "--set", f"match_group={_group}"])
        _prev = _path + _seed
    #: the g16b leg did not gain (s12-call3: 79.3 and 79.4 over 8 sampling seeds, from 81.3 and 79.1 in
    #: the Table 1 draw; seed 2's conflicts rose from 1.9 to 3.5). Groups of 16 hold 16 graphs in a batch
    #: of 256; on the CPU, graphs per step set the learning pace (session 11). So the same start in a
    #: batch of 1024 (64 graphs a step), 7k steps with the lr decaying to a tenth: 4x the samples per
    #: step. Measured (s12-call4, two to a GPU: 24.3 steps/s each against 77 at a batch of 256, so 1.26x
    #: the samples per second; 4.8k of the 7k steps in a 5-minute budget): 82.2 and 80.3 over 8 sampling
    #: seeds, 0.4 conflicts
    CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-g8-g16-b1024{_seed}"] = (
        f"{_SPREAD_P5}{_seed}", f"s12-call2b/{_NEAREST_P5}-18k-g8-g16{_seed}", _b1024(7000))
    #: 8k more steps at a batch of 1024 were to bring these seeds to seed 0's 24M slot-steps (steps x
    #: batch; RESULTS.md, Training lineages), at lr 1e-4, not the peak 2.5e-4: a restart at the peak lost
    #: about 2 points three times (s11-call3 on both draws, s12-call3 on seed 1). Start: s12-call4's
    #: checkpoints, pruned; `git checkout c97208b -- PATH` (seed 1), 5d2db19 (seed 2). Measured (s13-call1,
    #: two to a GPU, 5.6-minute budget: 5.8k of the 8k steps, 21.6M and 21.4M slot-steps in all): 82.7 and 83.1
    #: over 8 sampling seeds
    CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-g8-g16-b1024-b1024b{_seed}"] = (
        f"{_SPREAD_P5}{_seed}", f"s12-call4/{_NEAREST_P5}-18k-g8-g16-b1024{_seed}", _b1024(8000, "--set", "lr=1e-4"))
    #: one leg more, three to a GPU: 4.5k steps (what three jobs reach in about 6 minutes), lr 1e-4.
    #: Measured (s13-call2, 4.2-4.3k steps): 83.1 and 81.3 over 8 sampling seeds (from 82.7 and 83.1)
    CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-g8-g16-b1024-b1024b-b1024c{_seed}"] = (
        f"{_SPREAD_P5}{_seed}", f"s13-call1/{_NEAREST_P5}-18k-g8-g16-b1024-b1024b{_seed}",
        _b1024(4500, "--set", "lr=1e-4"))
    #: instead, one long leg from the same start at half that lr (5e-5, cosine to a tenth over 9.5k steps,
    #: two to a GPU for about 7 minutes): about 31M slot-steps in all, past seed 0's 23.9M at its 86.1%.
    #: Asks whether more training at a low lr takes these seeds to the paper's 85.8
    CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-g8-g16-b1024-b1024b-long{_seed}"] = (
        f"{_SPREAD_P5}{_seed}", f"s13-call1/{_NEAREST_P5}-18k-g8-g16-b1024-b1024b{_seed}",
        _b1024(9500, "--set", "lr=5e-5"))
#: the same leg from seed 0's best checkpoint (s10-call3, committed), beside the two above: 4.5k steps.
#: Measured (s13-call2, 4.2k steps): 83.9 over 8 sampling seeds, from 85.2
CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle4-g16-b1024"] = (
    _SPREAD_P5, f"s10-call3/{_SPREAD_P5}-settle3-g16", _b1024(4500, "--set", "lr=1e-4"))
#: session 13: the late models' coverage differs mostly on graphs with at most 4 colourings, where 20
#: independent draws find every colouring: 0.8-4.3 points of the gap there, 4.8-6.4 elsewhere
#: (results/gc8_p0.5_s13_coverage_gap.json), and that part moves from one leg's end to the next. So
#: these legs keep a snapshot every 1k steps from step 2k, and the run adopts the one with the best
#: coverage on 772 training inputs (benchmarks/select_snapshot.py; no test input looked at) before its
#: analysis. Seeds 1 and 2 start from s13-call1 (pruned; `git checkout b62131b -- PATH`), seed 0 from
#: s10-call3 (committed). s13-call4 smoke-tested the path on the GPU (seed 0's, snapshots every 500 from
#: 500, 617 steps in a 1.3-minute budget). Measured (s14-call1, seeds 1 and 2, 5.2k steps): the
#: candidates' training-input coverage spans 1.3 points within a leg; the chosen ones cover 82.4 and
#: 81.0% over 8 sampling seeds, from 82.7 and 83.1 for the leg's start. Seed 0's leg is not run: the same
#: leg without snapshots lost about a point from its start (s13-call2), and choosing among a leg's
#: snapshots did not recover that loss on seeds 1 and 2
_SNAP = ["--set", "snapshot_every=1000", "--set", "snapshot_from=2000"]
for _seed in ("-s1", "-s2"):
    CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-g8-g16-b1024-b1024b-snap{_seed}"] = (
        f"{_SPREAD_P5}{_seed}", f"s13-call1/{_NEAREST_P5}-18k-g8-g16-b1024-b1024b{_seed}",
        _b1024(6000, "--set", "lr=1e-4", *_SNAP))
CONTINUED_VARIANTS[f"{_SPREAD_P5}-settle4-g16-b1024-snap"] = (
    _SPREAD_P5, f"s10-call3/{_SPREAD_P5}-settle3-g16", _b1024(6000, "--set", "lr=1e-4", *_SNAP))
#: measured (s14-call2, seed 1 alone, 16.0k of the 18k steps in 5 minutes at 83 steps/s): 64.6% coverage
#: over 8 sampling seeds at 9.9 conflicts, against the small preset's 63.1 at 0.2 (one draw, 18k steps).
#: Its spread leg in groups of 8, as s12-call2a's (small: 79.7% after 12.6k steps), asks the same where
#: the coverage grows. The 19 MB checkpoint is not committed (the repository holds checkpoints of a few MB)
CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-d512-g8-s1"] = (
    f"{_SPREAD_P5}-s1", f"s14-call2/{_NEAREST_P5}-18k-d512-s1",
    ["--set", "max_steps=14000", "--set", "lr_min_ratio=0.1", "--set", "match_group=8", *_PAPER_WIDTH])
#: measured (s14-call3, 11.7k of 14k steps in 4 minutes): it collapsed, the share of exact prior samples
#: falling from 0.92 to 0.06 (18.4% coverage, 603 conflicts), where the small preset's same leg rose to
#: 0.99. The same leg at the paper's lr (1e-4, where the small preset runs 2.5e-4) asks whether the
#: wider model only needs the smaller step. Measured (s14-call4, 13.1k steps, one draw): no collapse, but
#: 61.5% coverage at 6.9 conflicts, below its start (65.1) and the small preset's leg (79.7 at 2.3)
CONTINUED_VARIANTS[f"{_NEAREST_P5}-18k-d512-g8-lr1e-4-s1"] = (
    f"{_SPREAD_P5}-s1", f"s14-call2/{_NEAREST_P5}-18k-d512-s1",
    ["--set", "max_steps=14000", "--set", "lr_min_ratio=0.1", "--set", "match_group=8", "--set", "lr=1e-4",
     *_PAPER_WIDTH])
for _name, (_base, _run, _extra) in {**{n: (*v, []) for n, v in CONTINUED.items()}, **CONTINUED_VARIANTS}.items():
    _env, _model, _args, _ana = JOBS[_base]
    JOBS[_name] = (_env, _model, [*_args, "--set", f"init_from={HERE / 'results' / 'table1' / _run / 'ckpt'}",
                                  *_extra], _ana)
#: small models shipped for the CPU demo (gram_agent/checkpoints/)
DEMO = ["--preset", "small", "--set", "d_model=128", "--set", "guidance_hidden=128"]
JOBS["demo-gram"] = ("GRAM/NQueens-8", "gram", DEMO, [])
JOBS["demo-trm"] = ("GRAM/NQueens-8", "trm", DEMO, [])

# Presets change over time (the short presets now score GRAM against the nearest completion and use the
# ELBO reading): every GRAM job names its target and KL reading, so a job keeps the meaning its results
# were recorded under. The demo jobs name the objective the shipped demo checkpoints were trained with.
PINNED = {"target": "label", "kl_reduce": "sum"}  #: what a GRAM job that names neither was recorded under
for _name, (_env, _model, _args, _ana) in list(JOBS.items()):
    if _model == "gram":
        _missing = [f"{k}={v}" for k, v in PINNED.items() if not any(a.startswith(f"{k}=") for a in _args)]
        JOBS[_name] = (_env, _model, [*_args, *(x for m in _missing for x in ("--set", m))], _ana)


#: the files a run leaves that the results keep (stdout.log gzipped, results.json's history apart and
#: gzipped: see store_run_files)
RUN_FILES = ("results.json", "analysis.json", "stdout.log", "analysis.log", "schedules.json", "schedules.png",
             "schedules.log", "snapshot_selection.json", "selection.log")


def store_run_files(run_dir: Path, dest: Path, keep_ckpt: bool) -> None:
    """Copy a run's result files to ``dest``; the training log goes in as ``stdout.log.gz`` and
    results.json's history as ``history.json.gz`` (``common.store_results``). Why: the tracked tree
    must leave room in the GPU tool's 64 MiB for the checkpoints a continued leg starts from
    (tests/test_repo_size.py), and these two are most of a run's bytes."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in RUN_FILES:
        if not (run_dir / f).exists():
            continue
        if f == "results.json":
            store_results(run_dir / f, dest)
        elif f == "stdout.log":
            with open(run_dir / f, "rb") as src, gzip.open(dest / "stdout.log.gz", "wb", compresslevel=9) as gz:
                shutil.copyfileobj(src, gz)
        else:
            shutil.copy(run_dir / f, dest / f)
    if keep_ckpt and (run_dir / "ckpt").exists():
        shutil.copytree(run_dir / "ckpt", dest / "ckpt", dirs_exist_ok=True)


def gpu_count() -> int:
    try:
        import torch

        return max(torch.cuda.device_count(), 1)
    except ImportError:
        return 1


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", nargs="+", required=True,
                   help=f"any of {sorted(JOBS)}; 'name@g' pins a job to GPU g (default: round-robin)")
    p.add_argument("--minutes", type=float, default=6.5, help="training budget per job (wall clock)")
    p.add_argument("--preset", default="fast")
    p.add_argument("--work", default=None,
                   help="folder for the jobs' run directories and checkpoints (default: a fresh temporary one)")
    p.add_argument("--out", required=True)
    p.add_argument("--keep-ckpt", nargs="*", default=[])
    p.add_argument("--deadline-min", type=float, default=0.0,
                   help="stop everything after this many minutes and keep what finished (0: no deadline)")
    p.add_argument("--temperatures", nargs="*", default=TEMPERATURES,
                   help="prior temperatures each GRAM analysis also samples at (none: only 1.0)")
    p.add_argument("--schedules", action="store_true",
                   help="after each GRAM analysis, sweep prior-temperature schedules (temperature_schedule.py)")
    p.add_argument("--schedule-only", nargs="+", default=None, metavar="NAME",
                   help="with --schedules: sweep only these schedules (and temperature 1.0), passed as --only")
    p.add_argument("--train-args", nargs=argparse.REMAINDER, default=[], help="passed to every train_gpu.py")
    args = p.parse_args()
    pinned = {j.split("@")[0]: int(j.split("@")[1]) for j in args.jobs if "@" in j}
    args.jobs = [j.split("@")[0] for j in args.jobs]
    unknown = [j for j in args.jobs if j not in JOBS]
    if unknown:
        raise SystemExit(f"unknown jobs {unknown}; expected some of {sorted(JOBS)}")
    gpus = gpu_count()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="gram_runs_"))
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        # a warm device machine keeps /tmp between calls: an old job folder would travel back as new
        raise SystemExit(f"--out {out} is not empty; give each call a fresh folder (e.g. /tmp/t_$RANDOM)")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    deadline = t0 + args.deadline_min * 60 if args.deadline_min else None

    def stamp(msg: str) -> None:
        print(f"[{time.monotonic() - t0:6.1f}s] {msg}", flush=True)

    def launch(cmd: list[str], gpu: int, log_path: Path) -> tuple[subprocess.Popen, object]:
        log = open(log_path, "w")  # noqa: SIM115  (lives as long as the process)
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": str(gpu)}
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), log

    def collect(name: str) -> None:
        """Copy a job's files to --out as soon as they exist, so a killed run keeps what finished."""
        store_run_files(work / name, out / name, keep_ckpt=name in args.keep_ckpt)

    running: dict[str, tuple[str, subprocess.Popen, object, int]] = {}  # name -> (phase, proc, log, gpu)
    for i, name in enumerate(args.jobs):
        env_id, model, train_extra, _ = JOBS[name]
        gpu = pinned.get(name, i) % gpus
        run_dir = work / name
        run_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, str(HERE / "train_gpu.py"), "--env", env_id, "--model", model, "--preset", args.preset,
               "--minutes", str(args.minutes), "--out-dir", str(run_dir), "--samples", "0",
               "--eval-reserve-s", "15", *train_extra, *args.train_args]
        proc, log = launch(cmd, gpu, run_dir / "stdout.log")
        running[name] = ("train", proc, log, gpu)
        stamp(f"started {name} on GPU {gpu}: {' '.join(cmd[1:])}")
    # poll: each job's analysis starts the moment its training ends, and its files are copied
    # the moment its analysis ends; at the deadline whatever still runs is stopped
    while running:
        if deadline is not None and time.monotonic() > deadline:
            for name, (phase, proc, log, _) in running.items():
                proc.kill()
                log.close()
                stamp(f"deadline: stopped {name} during {phase}")
                collect(name)
            break
        for name, (phase, proc, log, gpu) in list(running.items()):
            rc = proc.poll()
            if rc is None:
                continue
            log.close()
            stamp(f"{name} {phase} finished rc={rc}")
            del running[name]
            if phase == "train" and rc == 0 and (work / name / "snapshots").is_dir():
                # a run that kept snapshots first adopts the one chosen on training inputs
                cmd = [sys.executable, str(HERE / "select_snapshot.py"), str(work / name), "--adopt"]
                proc, log = launch(cmd, gpu, work / name / "selection.log")
                running[name] = ("selection", proc, log, gpu)
                stamp(f"started {name} selection: {' '.join(cmd[1:])}")
            elif phase in ("train", "selection") and rc == 0:
                extra_temps = JOBS[name][1] == "gram" and args.temperatures and name not in ONLY_PAPER_TEMPERATURE
                temps = ["--temperatures", *args.temperatures] if extra_temps else []
                cmd = [sys.executable, str(HERE / "multi_solution.py"), str(work / name), *JOBS[name][3], *temps]
                proc, log = launch(cmd, gpu, work / name / "analysis.log")
                running[name] = ("analysis", proc, log, gpu)
            elif phase == "analysis" and rc == 0 and args.schedules and JOBS[name][1] == "gram":
                # the same test inputs as the analysis (NQ10: its first 2,000)
                limit = JOBS[name][3][1:2] if JOBS[name][3][:1] == ["--instances"] else []
                cmd = [sys.executable, str(HERE / "temperature_schedule.py"), str(work / name),
                       *(["--test-instances", *limit] if limit else []),
                       *(["--only", *args.schedule_only] if args.schedule_only else [])]
                proc, log = launch(cmd, gpu, work / name / "schedules.log")
                running[name] = ("schedules", proc, log, gpu)
                stamp(f"started {name} schedules: {' '.join(cmd[1:])}")
            else:
                collect(name)
        time.sleep(1.0)
    print(f"[{time.monotonic() - t0:6.1f}s] done; results under {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
