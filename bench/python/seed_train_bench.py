"""The seed's training loop (davidtvs/kaggle-hpaic train.py, seed-spec §1.5, §6, §9.1, §10.1) reproduced with
torch 1.13 for `npm run bench:train` (bench/train.bench.ts runs it with /usr/bin/python3 on the same HDF5 file and
CSV that `hpaic train` reads).

- Dataset: HPADatasetHDF5 — per item the file is opened read-only with h5py, the stored name is checked, the
  RGBY image read, the "rgb" channels picked and turned into a PIL RGB image, then the transform.
- Train transform (aug): Resize((h, w)) bilinear, RandomHorizontalFlip, RandomVerticalFlip, RandomTranspose
  (p 0.5), RandomApply([RandomRotation(20)], p 0.5) (nearest, fill 0), RandomApply([ColorJitter(0.25, 0.25,
  0.25)], p 0.5), ToTensor. Validation: Resize + ToTensor.
- Sampler: WeightedRandomSampler over the training split (meanmax of median class weights), len(train) draws
  with replacement; DataLoader(batch_size, num_workers, drop_last=True); validation loader unshuffled.
- Model: torchvision resnet18 body (conv1..layer4) + the seed's adaptive head (concat max/avg pool, BN1d(1024),
  Dropout, Linear(1024, 512), ReLU, BN1d(512), Dropout, Linear(512, 28)), random init.
- Loop per epoch: train pass (zero_grad, forward, BCEWithLogitsLoss, backward, Adam step; loss × batch summed,
  sigmoid > 0.5 predictions kept) + validation pass (eval, no_grad); the epoch time covers both passes, as
  hpaic's history.json "seconds" does (checkpoint writing excluded on both sides).

Prints one JSON line: {"epoch_s": [...], "train_samples", "val_samples", "threads", "workers"}.
"""
import argparse
import csv
import json
import random
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torchvision
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset, WeightedRandomSampler
from torchvision import transforms


class RandomTranspose:
    """The seed's transform: PIL transpose (main-diagonal mirror) with probability p."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return img.transpose(Image.TRANSPOSE) if random.random() < self.p else img


class HPADatasetHDF5(Dataset):
    def __init__(self, root_dir, transform):
        with open(f"{root_dir}/train.csv") as f:
            rows = list(csv.DictReader(f))
        self.path = f"{root_dir}/train.hdf5"
        self.sample_names = [r["Id"] for r in rows]
        self.targets = np.zeros((len(rows), 28), dtype=np.float32)
        for i, r in enumerate(rows):
            for c in r["Target"].split():
                self.targets[i, int(c)] = 1
        self.transform = transform
        self.channels = [0, 1, 2]  # filters "rgb"

    def __len__(self):
        return len(self.sample_names)

    def __getitem__(self, i):
        with h5py.File(self.path, "r") as f:
            name = f["names"][i].decode("utf-8")
            if name != self.sample_names[i]:
                raise ValueError(f"stored name {name} != {self.sample_names[i]} at index {i}")
            img = f["images"][i]
        img = np.squeeze(np.stack([img[..., c] for c in self.channels], axis=-1))
        img = Image.fromarray(img)
        return {"sample": self.transform(img), "target": torch.from_numpy(self.targets[i]), "sample_name": self.sample_names[i]}


class TransformSubset(Dataset):
    """The seed's Subset wrapper: a dataset view through an index list with its own transform."""

    def __init__(self, dataset, indices, transform):
        self.dataset, self.indices, self.transform = dataset, indices, transform

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        saved = self.dataset.transform
        self.dataset.transform = self.transform
        try:
            return self.dataset[self.indices[i]]
        finally:
            self.dataset.transform = saved


class ConcatPool(nn.Module):
    def forward(self, x):
        return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)


def adaptive_head(f, num_classes, p):
    return nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(2 * f), nn.Dropout(p), nn.Linear(2 * f, f), nn.ReLU(inplace=True),
                         nn.BatchNorm1d(f), nn.Dropout(p), nn.Linear(f, num_classes))


def seed_resnet18(num_classes=28, dropout_p=0.5):
    body = list(torchvision.models.resnet18().children())[:-2]
    return nn.Sequential(*body, adaptive_head(512, num_classes, dropout_p))


def meanmax_weights(labels):
    freq = labels.sum(0) / labels.sum()
    w = np.where(freq > 0, np.median(freq[freq > 0]) / np.maximum(freq, 1e-12), 0)
    m = labels * w
    m = np.where(m == 0, np.nan, m)
    return (np.nanmean(m, 1) + np.nanmax(m, 1)) / 2


def run_pass(model, loader, criterion, optimizer=None, bf16=False):
    training = optimizer is not None
    model.train(training)
    loss_sum, preds = 0.0, []
    with torch.set_grad_enabled(training):
        for batch in loader:
            x, y = batch["sample"], batch["target"]
            if training:
                optimizer.zero_grad()
            # --precision bf16: forward and loss under CPU autocast, as hpaic's `precision: "bf16"` runs them.
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = model(x)
                loss = criterion(out, y)
            if training:
                loss.backward()
                optimizer.step()
            loss_sum += loss.item() * x.size(0)
            preds.append((torch.sigmoid(out.float()) > 0.5).detach().cpu().numpy())
    return loss_sum / len(loader.dataset)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--val", type=int, default=64, help="validation samples")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    size = (a.size, a.size)
    train_tf = transforms.Compose([
        transforms.Resize(size),
        transforms.RandomHorizontalFlip(),
        transforms.RandomVerticalFlip(),
        RandomTranspose(),
        transforms.RandomApply([transforms.RandomRotation(20)], p=0.5),
        transforms.RandomApply([transforms.ColorJitter(brightness=0.25, contrast=0.25, saturation=0.25)], p=0.5),
        transforms.ToTensor(),
    ])
    val_tf = transforms.Compose([transforms.Resize(size), transforms.ToTensor()])
    ds = HPADatasetHDF5(a.root, train_tf)
    perm = np.random.RandomState(92).permutation(len(ds))
    val_idx, train_idx = sorted(perm[: a.val].tolist()), sorted(perm[a.val:].tolist())
    train_set = TransformSubset(ds, train_idx, train_tf)
    val_set = TransformSubset(ds, val_idx, val_tf)
    sampler = WeightedRandomSampler(torch.as_tensor(meanmax_weights(ds.targets[train_idx]), dtype=torch.double), len(train_idx), replacement=True)
    train_loader = DataLoader(train_set, batch_size=a.batch, sampler=sampler, num_workers=a.workers, drop_last=True)
    val_loader = DataLoader(val_set, batch_size=a.batch, shuffle=False, num_workers=a.workers)

    model = seed_resnet18()
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)
    epoch_s = []
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        run_pass(model, train_loader, criterion, optimizer, bf16=a.precision == "bf16")
        run_pass(model, val_loader, criterion, bf16=a.precision == "bf16")
        epoch_s.append(time.perf_counter() - t0)
    print(json.dumps({"epoch_s": epoch_s, "train_samples": len(train_idx), "val_samples": len(val_idx), "threads": torch.get_num_threads(), "workers": a.workers}), flush=True)


if __name__ == "__main__":
    main()
