"""Data parallelism under torchrun: each rank holds an equal slice of the global batch and
``DistributedDataParallel`` averages gradients during backward, so a step equals a single
process on the same global batch (tested with 2 gloo processes). The shared f_L/f_H module is
one set of parameters to DDP however often the core applies it.
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


def wrap(model: torch.nn.Module, d: Dist, device: torch.device) -> torch.nn.Module:
    """The module to call for a training step: DDP across ranks, the model itself otherwise."""
    if d.world <= 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    # buffers (the fixed z0, RoPE tables) are identical by construction: nothing to broadcast;
    # training the prior sample (config train_rollout) leaves the posterior head without gradients
    unused = model.cfg.train_rollout == "prior"
    return DistributedDataParallel(model, device_ids=ids, broadcast_buffers=False, find_unused_parameters=unused)


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
