# The PyTorch side of `npm run bench:dist` (bench/dist.bench.ts), run by torchrun with 2 ranks and Gloo (or alone):
# torchvision's ResNet18 (28 classes), channels_last, SGD(lr=1e-3, momentum=0.9), BCE-with-logits, one fixed random
# batch per rank, BENCH_STEPS timed steps after BENCH_WARMUP; DistributedDataParallel (25 MiB buckets, gradient
# allreduce overlapped with backward, buffers broadcast before forward) when WORLD_SIZE > 1.
# Prints one JSON line from rank 0: seconds per step.
import json
import os
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
import torchvision

batch = int(os.environ.get("BENCH_BATCH", 8))
size = int(os.environ.get("BENCH_SIZE", 64))
steps = int(os.environ.get("BENCH_STEPS", 20))
warmup = int(os.environ.get("BENCH_WARMUP", 3))
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", 1)))
world = int(os.environ.get("WORLD_SIZE", 1))
rank = int(os.environ.get("RANK", 0))
if world > 1:
    dist.init_process_group("gloo")
torch.manual_seed(rank)
model = torchvision.models.resnet18(num_classes=28).to(memory_format=torch.channels_last)
if world > 1:
    model = torch.nn.parallel.DistributedDataParallel(model)
opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
x = torch.randn(batch, 3, size, size).to(memory_format=torch.channels_last)
y = (torch.rand(batch, 28) > 0.8).float()
model.train()


def step():
    opt.zero_grad(set_to_none=True)
    F.binary_cross_entropy_with_logits(model(x), y).backward()
    opt.step()


for _ in range(warmup):
    step()
if world > 1:
    dist.barrier()
t0 = time.perf_counter()
for _ in range(steps):
    step()
if world > 1:
    dist.barrier()
seconds = time.perf_counter() - t0
if rank == 0:
    print(json.dumps({"stepSeconds": seconds / steps}))
if world > 1:
    dist.destroy_process_group()
