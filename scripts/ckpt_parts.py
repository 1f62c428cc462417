"""Move a resumable checkpoint between machines in parts small enough for a size-limited transfer.

    python -m scripts.ckpt_parts pack RUN/ckpt_dir/last OUT/resume       # on the first machine, at the end
    python -m scripts.ckpt_parts unpack .resume RUN/ckpt_dir/last        # on the next, before training

Copy the returned parts into an ignored folder of the repo (e.g. ``.resume``), name it in
``carry``, unpack it, then start ``python -m benchmarks.train_gpu --checkpoint-dir RUN/ckpt_dir`` again: training
resumes from ``last`` (optimizer, EMA, counters, history; the batch carry is reloaded). ``--max-mib 48``
shrinks what does not fit (see gram_agent.checkpoint.TRANSFER_LEVELS) and the resumed run says what. The state
travels as state.json + state.safetensors: nothing is unpickled on either side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gram_agent.checkpoint import pack_parts, unpack_parts


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pack")
    a.add_argument("ckpt_dir")
    a.add_argument("out_dir")
    a.add_argument("--part-mib", type=float, default=15.0)
    a.add_argument("--keep-carry", action="store_true")
    a.add_argument("--max-mib", type=float, default=None,
                   help="shrink the state until the whole fits (moments to bf16, EMA as a bf16 difference, "
                        "second moment only as 8-bit logs, moments dropped); the resumed run says what was shrunk")
    b = sub.add_parser("unpack")
    b.add_argument("parts_dir")
    b.add_argument("ckpt_dir")
    args = p.parse_args()
    if args.cmd == "pack":
        names = pack_parts(args.ckpt_dir, args.out_dir, args.part_mib, args.keep_carry, args.max_mib)
        manifest = json.loads((Path(args.out_dir) / "ckpt.manifest.json").read_text())
        print(f"packed {args.ckpt_dir} into {len(names)} part(s), {manifest['bytes'] / 2**20:.1f} MiB, under "
              f"{args.out_dir}: {manifest['transfer']}")
    else:
        print(f"unpacked into {unpack_parts(args.parts_dir, args.ckpt_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
