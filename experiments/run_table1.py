"""Run the multi-solution table (paper Table 1 + ablations) as parallel jobs on the GPUs.

    python -m experiments.run_table1 --jobs nq8-gram-nearest nq8-trm ... --minutes 6.5 --out OUT/table
    python -m experiments.run_table1 --suite table1-nq8 --out OUT/table   # a paper table's suite

A ``--suite`` (experiments.jobs.SUITES) runs the runs of one paper table for one task at the table's
budget ``TABLE_MINUTES`` (``--jobs`` and ``--minutes`` override it).

Each job (experiments/jobs.py) is one ``benchmarks.train_gpu`` run (time-budgeted, own process,
own GPU slot assigned round-robin over the visible GPUs) followed by ``experiments.multi_solution``
on its checkpoint; a run that kept snapshots (config ``snapshot_every``) first adopts the one
``experiments.select_snapshot`` chooses on training inputs. The JSON results of every job are
gathered under --out (checkpoints stay in --work unless --keep-ckpt names the jobs whose bf16
checkpoint should be copied too), so one command returns the whole table in a few small files.

Jobs sharing the host split its CPU cores: each process gets OMP/MKL threads and torch.compile
worker processes of cores // jobs (at least 1) unless the environment already sets them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.jobs import JOBS as JOB_TABLE
from experiments.jobs import SUITES, TABLE_MINUTES

ROOT = Path(__file__).resolve().parents[1]  #: the subprocesses run as python -m from here

#: run name -> (model, train_gpu args, multi_solution args, paper temperature only)
RUNS: dict[str, tuple[str, list[str], list[str], bool]] = {
    name: (job.model, args, job.analysis_args(), job.paper_temperature_only)
    for job in JOB_TABLE for name, args in job.runs().items()
}
#: prior temperatures every GRAM analysis also samples at (besides 1.0, the paper's)
TEMPERATURES = ["0.5", "1.5", "2.0"]
#: the files a run leaves that the results keep (training logs and histories are not kept)
RUN_FILES = ("results.json", "analysis.json", "schedules.json", "snapshot_selection.json")
#: per-process thread settings, split over the jobs of one call
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCHINDUCTOR_COMPILE_THREADS")


def thread_env(jobs: int, cores: int | None = None, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Thread settings for each of ``jobs`` processes on ``cores`` CPU cores: cores // jobs (at least 1)
    for every variable of THREAD_VARS that ``environ`` does not already set. 14 jobs each starting a
    torch.compile pool of all cores would start hundreds of worker processes."""
    environ = os.environ if environ is None else environ
    cores = cores or os.cpu_count() or 1
    share = str(max(1, cores // max(jobs, 1)))
    return {v: share for v in THREAD_VARS if v not in environ}


def store_run_files(run_dir: Path, dest: Path, keep_ckpt: bool) -> None:
    """Copy a run's result files to ``dest`` as compact JSON (they are kept in git, which has a size
    budget): results.json without its training history (the run's stdout.log holds the same lines),
    the machine's work folder written as WORK (no absolute paths in the repository)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in RUN_FILES:
        if not (run_dir / f).exists():
            continue
        data = json.loads((run_dir / f).read_text().replace(str(run_dir.parent), "WORK"))
        if f == "results.json":
            data.pop("history", None)
        (dest / f).write_text(json.dumps(data, separators=(",", ":")) + "\n")
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
    p.add_argument("--suite", choices=sorted(SUITES), default=None,
                   help=f"a paper table's runs (experiments.jobs.SUITES), at {TABLE_MINUTES} minutes each")
    p.add_argument("--jobs", nargs="+", default=None,
                   help="run names of experiments/jobs.py (NAME, NAME-s1, ...); 'name@g' pins one to GPU g")
    p.add_argument("--minutes", type=float, default=None,
                   help=f"training budget per job (wall clock; default 6.5, a suite's {TABLE_MINUTES})")
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
                   help="after each GRAM analysis, sweep prior-temperature schedules (experiments.temperature_schedule)")
    p.add_argument("--schedule-only", nargs="+", default=None, metavar="NAME",
                   help="with --schedules: sweep only these schedules (and temperature 1.0), passed as --only")
    p.add_argument("--train-args", nargs=argparse.REMAINDER, default=[], help="passed to every benchmarks.train_gpu run")
    args = p.parse_args()
    if args.jobs is None and args.suite is None:
        p.error("name the runs: --jobs NAME ... or --suite NAME")
    args.jobs = args.jobs or list(SUITES[args.suite])
    if args.minutes is None:
        args.minutes = TABLE_MINUTES if args.suite else 6.5
    pinned = {j.split("@")[0]: int(j.split("@")[1]) for j in args.jobs if "@" in j}
    args.jobs = [j.split("@")[0] for j in args.jobs]
    unknown = [j for j in args.jobs if j not in RUNS]
    if unknown:
        raise SystemExit(f"unknown jobs {unknown}; expected some of {sorted(RUNS)}")
    gpus = gpu_count()
    work = Path(args.work).resolve() if args.work else Path(tempfile.mkdtemp(prefix="gram_runs_"))
    out = Path(args.out).resolve()
    if out.exists() and any(out.iterdir()):
        # an old job folder would be taken for a new one
        raise SystemExit(f"--out {out} is not empty; give each call a fresh folder ")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    deadline = t0 + args.deadline_min * 60 if args.deadline_min else None

    def stamp(msg: str) -> None:
        print(f"[{time.monotonic() - t0:6.1f}s] {msg}", flush=True)

    threads = thread_env(len(args.jobs))  # every job of the call shares the host's cores
    stamp(f"{len(args.jobs)} jobs on {gpus} GPU(s), {args.minutes} min each; per process {threads or 'as set'}")

    def launch(cmd: list[str], gpu: int, log_path: Path) -> tuple[subprocess.Popen, object]:
        log = open(log_path, "w")  # noqa: SIM115  (lives as long as the process)
        # many processes share one GPU: expandable segments keep each one's cached-but-free memory small
        env = {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True", **os.environ, **threads,
               "CUDA_VISIBLE_DEVICES": str(gpu)}
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT), log

    def collect(name: str) -> None:
        """Copy a job's files to --out as soon as they exist, so a killed run keeps what finished."""
        store_run_files(work / name, out / name, keep_ckpt=name in args.keep_ckpt)

    running: dict[str, tuple[str, subprocess.Popen, object, int]] = {}  # name -> (phase, proc, log, gpu)
    for i, name in enumerate(args.jobs):
        train_args = RUNS[name][1]
        gpu = pinned.get(name, i) % gpus
        run_dir = work / name
        run_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "benchmarks.train_gpu", "--preset", args.preset, "--minutes", str(args.minutes),
               "--out-dir", str(run_dir), "--samples", "0", "--eval-reserve-s", "15", *train_args, *args.train_args]
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
                cmd = [sys.executable, "-m", "experiments.select_snapshot", str(work / name), "--adopt"]
                proc, log = launch(cmd, gpu, work / name / "selection.log")
                running[name] = ("selection", proc, log, gpu)
                stamp(f"started {name} selection: {' '.join(cmd[1:])}")
            elif phase in ("train", "selection") and rc == 0:
                model, _, analysis, paper_only = RUNS[name]
                temps = ["--temperatures", *args.temperatures] if model == "gram" and args.temperatures and not paper_only else []
                cmd = [sys.executable, "-m", "experiments.multi_solution", str(work / name), *analysis, *temps]
                proc, log = launch(cmd, gpu, work / name / "analysis.log")
                running[name] = ("analysis", proc, log, gpu)
            elif phase == "analysis" and rc == 0 and args.schedules and RUNS[name][0] == "gram":
                # the same test inputs as the analysis (NQ10: its first 2,000)
                analysis = RUNS[name][2]
                limit = analysis[analysis.index("--instances") + 1:][:1] if "--instances" in analysis else []
                cmd = [sys.executable, "-m", "experiments.temperature_schedule", str(work / name),
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
