"""Data parallelism under torchrun: each rank holds a slice of the global batch, gradients are
summed with one flat all-reduce per step.

Why not ``DistributedDataParallel``: the core applies one shared module (K+1)*T times per
step, and the step is wrapped in ``torch.compile``; a hand-written all-reduce after backward
is equivalent to DDP for this shape of model (same global-mean gradient), composes with
compile and keeps the math identical to a single process on the same global batch (tested
with 2 gloo processes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    def slice(self, global_batch: int) -> slice:
        if global_batch % self.world:
            raise ValueError(f"batch_size={global_batch} must be divisible by world size {self.world}")
        n = global_batch // self.world
        return slice(self.rank * n, (self.rank + 1) * n)


def setup(device: torch.device | None = None) -> Dist:
    """Join the process group torchrun describes (env RANK/WORLD_SIZE); single process otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        cuda = (device is None and torch.cuda.is_available()) or (device is not None and device.type == "cuda")
        dist.init_process_group("nccl" if cuda else "gloo")
    return Dist(rank, world, local)


def all_reduce_grads(params: list[torch.nn.Parameter], d: Dist) -> None:
    """Sum gradients over ranks (each rank's loss is already scaled by its share of the batch)."""
    if d.world <= 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    off = 0
    for p, g in zip(params, grads, strict=True):
        n = g.numel()
        if p.grad is None:
            p.grad = flat[off:off + n].view_as(p).clone()
        else:
            p.grad.copy_(flat[off:off + n].view_as(p))
        off += n


def broadcast_flag(flag: bool, d: Dist, device: torch.device) -> bool:
    """Rank 0's decision (stop, checkpoint) for every rank, so all ranks take the same steps."""
    if d.world <= 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.broadcast(t, 0)
    return bool(t.item() > 0)


def barrier(d: Dist) -> None:
    if d.world > 1:
        dist.barrier()
