# One PyTorch rank of a mixed hpaic + PyTorch c10d group (test/native/dist.mixed.test.ts). It joins with
# torch.distributed's own env:// rendezvous and Gloo, allreduces a tensor, broadcasts a state dict from rank argv[1]
# (tensor by tensor, sorted keys) and prints what it ended with as JSON.
import json
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="env://", timeout=timedelta(seconds=60))
rank = dist.get_rank()
x = torch.arange(6, dtype=torch.float32) * (rank + 1)
dist.all_reduce(x)
avg = torch.full((3,), float(rank + 1), dtype=torch.float64)
dist.all_reduce(avg)
avg /= dist.get_world_size()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(4, 3, 3), torch.nn.BatchNorm2d(3))
model.train()(torch.randn(2, 4, 5, 5))  # moves running stats and num_batches_tracked off their defaults
state = model.state_dict()
root = int(sys.argv[1])
if rank != root:
    for v in state.values():
        v.zero_()
for k in sorted(state):
    dist.broadcast(state[k], src=root)
gathered = [torch.zeros(2, dtype=torch.int64) for _ in range(dist.get_world_size())]
dist.all_gather(gathered, torch.tensor([rank, 100 + rank], dtype=torch.int64))
dist.barrier()
print(json.dumps({
    "rank": rank,
    "allreduce": x.tolist(),
    "avg": avg.tolist(),
    "gathered": [g.tolist() for g in gathered],
    "state": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "values": v.flatten().tolist()} for k, v in state.items()},
}))
dist.destroy_process_group()
