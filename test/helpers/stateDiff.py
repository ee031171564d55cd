# Compares state dicts written by hpaic (torch.save format) with PyTorch itself: for each of the files after the
# first, the largest absolute difference from the first over parameters and over running statistics, and the
# largest per-tensor ratio |b − a| / |a − init| (how far apart the runs are, as a share of what training moved).
# argv: init.pth a.pth b.pth [c.pth ...]; prints one JSON object per compared file.
import json
import sys

import torch

init, a, *others = (torch.load(p) for p in sys.argv[1:])
for b in others:
    out = {"param": 0.0, "running": 0.0, "ratio": 0.0, "worst": ""}
    for k, v in a.items():
        if "num_batches" in k:
            continue
        d = (b[k].double() - v.double()).abs().max().item()
        kind = "running" if "running" in k else "param"
        if d > out[kind]:
            out[kind] = d
            if kind == "param":
                out["worst"] = k
        if kind == "param":
            moved = (v.double() - init[k].double()).abs().max().item()
            if moved > 0:
                out["ratio"] = max(out["ratio"], d / moved)
    print(json.dumps(out))
