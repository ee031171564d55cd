"""PyTorch side of `npm run bench:engine` (bench/engine.bench.ts runs it with /usr/bin/python3).

ResNet34 (torchvision, 28-class fc) on CPU, random input and random multi-hot targets.
  train step: zero_grad, forward, BCE-with-logits loss, backward, Adam step;
  infer step: eval mode, no_grad forward.
  precision fp32, or bf16: forward and loss under torch.autocast("cpu", dtype=torch.bfloat16), backward and
  the optimizer step outside it (fp32 weights and Adam state), as the AMP recipe says.
Threads are set explicitly (torch.set_num_threads; the caller also sets OMP_NUM_THREADS).

Two modes:
  --serve: reads commands "<kind>:<format>[:<precision>] <n>" from stdin, one per line (kind train|infer,
    format contiguous|channels_last, precision fp32|bf16, default fp32); builds a fresh model the first time a
    case is asked for and keeps it (cases may alternate), runs n steps and answers one JSON line {"step_s": [...]}. The TypeScript driver alternates single steps of hpaic and PyTorch this way, so
    both see the same background load.
  otherwise: runs --warmup + --steps steps of each of --cases and prints one JSON line per case
    {"case", "format", "images_per_s", "step_s"} (a stand-alone check).
"""
import argparse
import contextlib
import json
import sys
import time

import torch
import torchvision


class Bench:
    def __init__(self, batch, size, seed):
        torch.manual_seed(seed)
        self.batch = batch
        self.x0 = torch.rand(batch, 3, size, size)
        self.y = (torch.rand(batch, 28) < 0.15).float()
        self.case = None

    def setup(self, case):
        kind, fmt, precision = (case.split(":") + ["fp32"])[:3]
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, got {precision}")
        mf = torch.channels_last if fmt == "channels_last" else torch.contiguous_format
        self.kind = kind
        self.autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if precision == "bf16" else contextlib.nullcontext
        self.model = torchvision.models.resnet34(num_classes=28).to(memory_format=mf)
        self.x = self.x0.contiguous(memory_format=mf)
        if kind == "train":
            self.model.train()
            self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
            self.crit = torch.nn.BCEWithLogitsLoss()
        else:
            self.model.eval()
        self.case = case

    def step(self):
        t0 = time.perf_counter()
        if self.kind == "train":
            self.opt.zero_grad(set_to_none=True)
            with self.autocast():
                loss = self.crit(self.model(self.x), self.y)
            loss.backward()
            self.opt.step()
            loss.item()
        else:
            with torch.no_grad(), self.autocast():
                self.model(self.x).sum().item()
        return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--serve", action="store_true")
    p.add_argument("--cases", default="train:contiguous,train:channels_last,infer:contiguous,infer:channels_last")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    if a.serve:
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        benches = {}
        for line in sys.stdin:
            if not line.strip():
                continue
            case, n = line.split()
            if case not in benches:
                benches[case] = Bench(a.batch, a.size, a.seed)
                benches[case].setup(case)
            b = benches[case]
            print(json.dumps({"step_s": [b.step() for _ in range(int(n))]}), flush=True)
        return
    b = Bench(a.batch, a.size, a.seed)
    for case in a.cases.split(","):
        b.setup(case)
        timed = [b.step() for _ in range(a.warmup + a.steps)][a.warmup:]
        kind, fmt, precision = (case.split(":") + ["fp32"])[:3]
        print(json.dumps({"case": kind, "format": fmt, "precision": precision, "images_per_s": a.batch * len(timed) / sum(timed), "step_s": timed}), flush=True)


if __name__ == "__main__":
    main()
