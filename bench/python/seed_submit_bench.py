"""The seed's make_submission.py prediction loop (seed-spec §2.3, §10.2) with torch 1.13, for
`npm run bench:predict`: for the plain transform and each of the 15 TTA pipelines, one full DataLoader pass over
test.hdf5 (h5py per item, PIL transforms, ToTensor), eval + no_grad forward, then the weighted mean of logits
(0.4 plain + 0.04 each TTA). Prints one JSON line {"seconds": s, "images": n, "passes": 16}.
Also the reference of test/golden/predict.tta.torch.test.ts: --pipelines FILE (a JSON list of hpaic op lists, e.g.
[[{"kind": "hflip"}, {"kind": "brightness", "factor": 0.9}], ...], instead of the seed's random brightness side)
and --logits-out FILE (the combined logits as JSON rows).
"""
import argparse, csv, json, itertools, random, time
import h5py, numpy as np, torch, torch.nn as nn, torchvision
from PIL import Image, ImageEnhance
from torch.utils.data import DataLoader, Dataset


class AdaptiveConcatPool2d(nn.Module):
    def forward(self, x):
        return torch.cat([nn.functional.adaptive_max_pool2d(x, 1), nn.functional.adaptive_avg_pool2d(x, 1)], 1)


class SeedResNet18(nn.Module):
    """torchvision resnet18 body + the seed's adaptive head, with hpaic's key names (body names, head.*)."""

    def __init__(self):
        super().__init__()
        body = torchvision.models.resnet18()
        for n, m in body.named_children():
            if n not in ('avgpool', 'fc'):
                setattr(self, n, m)
        self.head = nn.Sequential(AdaptiveConcatPool2d(), nn.Flatten(), nn.BatchNorm1d(1024), nn.Dropout(0.5), nn.Linear(1024, 512),
                                  nn.ReLU(True), nn.BatchNorm1d(512), nn.Dropout(0.5), nn.Linear(512, 28))

    def forward(self, x):
        for n in ('conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4'):
            x = getattr(self, n)(x)
        return self.head(x)


class TestSet(Dataset):
    def __init__(self, root, transform):
        with open(f'{root}/sample_submission.csv') as f:
            self.ids = [r['Id'] for r in csv.DictReader(f)]
        self.path = f'{root}/test.hdf5'
        self.transform = transform

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        with h5py.File(self.path, 'r') as f:  # opened per item, as the seed does
            assert f['names'][i].decode() == self.ids[i]
            img = f['images'][i][..., :3]
        return self.transform(Image.fromarray(img, 'RGB'))


def tta_transforms(size, brightness=0.1):
    ops = [lambda im: im.transpose(Image.FLIP_LEFT_RIGHT), lambda im: im.transpose(Image.FLIP_TOP_BOTTOM),
           lambda im: im.transpose(Image.TRANSPOSE),
           (lambda im: ImageEnhance.Brightness(im).enhance(1 - brightness), lambda im: ImageEnhance.Brightness(im).enhance(1 + brightness))]
    out = []
    for k in range(1, len(ops) + 1):
        for combo in itertools.combinations(ops, k):
            chosen = [random.choice(o) if isinstance(o, tuple) else o for o in combo]
            out.append(torchvision.transforms.Compose([torchvision.transforms.Resize(size), *chosen, torchvision.transforms.ToTensor()]))
    return out


PIL_OPS = {
    'hflip': lambda op: (lambda im: im.transpose(Image.FLIP_LEFT_RIGHT)),
    'vflip': lambda op: (lambda im: im.transpose(Image.FLIP_TOP_BOTTOM)),
    'transpose': lambda op: (lambda im: im.transpose(Image.TRANSPOSE)),
    'brightness': lambda op: (lambda im: ImageEnhance.Brightness(im).enhance(op['factor'])),
}


def listed_transforms(size, path):
    with open(path) as f:
        lists = json.load(f)
    return [torchvision.transforms.Compose([torchvision.transforms.Resize(size), *[PIL_OPS[op['kind']](op) for op in ops], torchvision.transforms.ToTensor()])
            for ops in lists]


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--root'); a.add_argument('--weights'); a.add_argument('--size', type=int)
    a.add_argument('--batch', type=int); a.add_argument('--workers', type=int); a.add_argument('--threads', type=int)
    a.add_argument('--pipelines'); a.add_argument('--logits-out')
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    model = SeedResNet18()
    model.load_state_dict(torch.load(args.weights), strict=True)
    model.eval()
    plain = torchvision.transforms.Compose([torchvision.transforms.Resize(args.size), torchvision.transforms.ToTensor()])
    tta = listed_transforms(args.size, args.pipelines) if args.pipelines else tta_transforms(args.size)
    pipelines = [plain] + tta
    weights = [0.4] + [0.6 / len(tta)] * len(tta) if tta else [1.0]
    t0 = time.perf_counter()
    total = None
    for w, tf in zip(weights, pipelines):
        loader = DataLoader(TestSet(args.root, tf), batch_size=args.batch, shuffle=False, num_workers=args.workers)
        with torch.no_grad():
            logits = torch.cat([model(x) for x in loader])
        total = logits * w if total is None else total + logits * w
    seconds = time.perf_counter() - t0
    if args.logits_out:
        with open(args.logits_out, 'w') as f:
            json.dump(total.tolist(), f)
    print(json.dumps({'seconds': seconds, 'images': total.shape[0], 'passes': len(pipelines)}))


main()
