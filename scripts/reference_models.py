"""Reference PyTorch models for hpaic's golden tests (run by /usr/bin/python3 with torch >= 1.13).

Written from the published definitions (Cadene's pretrained-models.pytorch `bninception.py` and
`senet.py`, torchvision's `inception_v3`), with the same module names so that state dicts are exchanged
key for key:

- BNInception(num_classes, in_channels, head): conv1_7x7_s2, conv1_7x7_s2_bn, ..., inception_5b_pool_proj_bn,
  last_linear. BatchNorm eps 1e-5, momentum 0.9 (as Cadene). head='fc': global average pool + Linear(1024, n);
  head='adaptive': the seed's head (concat pool, last_linear = BN1d-Dropout-Linear-ReLU-BN1d-Dropout-Linear).
- SEResNet50(num_classes, in_channels, head): layer0.{conv1,bn1,relu1,pool}, layer1-4 of SE-ResNet bottlenecks
  (stride on conv1, se_module.fc1/fc2 as 1x1 convs, reduction 16), last_linear or the seed head under head.*.
- inception_v3_seed(num_classes, in_channels, head): torchvision's Inception3 (aux_logits False,
  transform_input False, the seed's quirk 4) with the seed head under head.*.
- DenseNetSeed(arch, num_classes, in_channels, head): torchvision's densenet121/169 (features.*, classifier) or,
  with head='adaptive', torchvision's features followed by ReLU and the seed head under head.*.
- SEResNeXt50(num_classes, in_channels, head): Cadene's se_resnext50_32x4d (SEResNeXtBottleneck: width
  floor(planes * 4 / 64) * 32, 32 groups, the stride on conv2), layer0 and keys as SEResNet50.
- copy_first_conv(weight, in_channels): bestfitting's RGBY rule, torch.cat((w, w[:, :1]), dim=1).
- adapt_input_conv(weight, in_channels): timm's rule for the first convolution (see docs/models.md).
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConcatPool(nn.Module):
    """Global max pool and global average pool, concatenated on channels (max first)."""

    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, 1), F.adaptive_avg_pool2d(x, 1)], 1)


def seed_head(f, num_classes, p=0.5):
    """The seed's adaptive head as an nn.Sequential (keys 2, 4, 6, 8)."""
    return nn.Sequential(ConcatPool(), nn.Flatten(), nn.BatchNorm1d(2 * f), nn.Dropout(p), nn.Linear(2 * f, f),
                         nn.ReLU(inplace=True), nn.BatchNorm1d(f), nn.Dropout(p), nn.Linear(f, num_classes))


# (name, in, 1x1, 3x3 reduce, 3x3, double reduce, double, pool kind, pool projection)
BNINCEPTION_MODULES = [
    ('3a', 192, 64, 64, 64, 64, 96, 'avg', 32),
    ('3b', 256, 64, 64, 96, 64, 96, 'avg', 64),
    ('3c', 320, None, 128, 160, 64, 96, 'max-s2', None),
    ('4a', 576, 224, 64, 96, 96, 128, 'avg', 128),
    ('4b', 576, 192, 96, 128, 96, 128, 'avg', 128),
    ('4c', 576, 160, 128, 160, 128, 160, 'avg', 128),
    ('4d', 608, 96, 128, 192, 160, 192, 'avg', 128),
    ('4e', 608, None, 128, 192, 192, 256, 'max-s2', None),
    ('5a', 1056, 352, 192, 320, 160, 224, 'avg', 128),
    ('5b', 1024, 352, 192, 320, 192, 224, 'max', 128),
]


class BNInception(nn.Module):
    def __init__(self, num_classes=1000, in_channels=3, head='fc', dropout_p=0.5):
        super().__init__()
        self.head_kind = head
        self._unit('conv1_7x7_s2', in_channels, 64, 7, 2, 3)
        self._unit('conv2_3x3_reduce', 64, 64, 1)
        self._unit('conv2_3x3', 64, 192, 3, 1, 1)
        for (n, cin, c1, r3, c3, rd, cd, pool, proj) in BNINCEPTION_MODULES:
            p = 'inception_' + n
            s = 2 if pool == 'max-s2' else 1
            if c1 is not None:
                self._unit(p + '_1x1', cin, c1, 1)
            self._unit(p + '_3x3_reduce', cin, r3, 1)
            self._unit(p + '_3x3', r3, c3, 3, s, 1)
            self._unit(p + '_double_3x3_reduce', cin, rd, 1)
            self._unit(p + '_double_3x3_1', rd, cd, 3, 1, 1)
            self._unit(p + '_double_3x3_2', cd, cd, 3, s, 1)
            if proj is not None:
                self._unit(p + '_pool_proj', cin, proj, 1)
        if head == 'fc':
            self.last_linear = nn.Linear(1024, num_classes)
        else:
            self.last_linear = nn.Sequential(nn.BatchNorm1d(2048), nn.Dropout(dropout_p), nn.Linear(2048, 1024), nn.ReLU(),
                                             nn.BatchNorm1d(1024), nn.Dropout(dropout_p), nn.Linear(1024, num_classes))

    def _unit(self, name, cin, cout, k, stride=1, pad=0):
        setattr(self, name, nn.Conv2d(cin, cout, k, stride=stride, padding=pad))
        setattr(self, name + '_bn', nn.BatchNorm2d(cout, eps=1e-5, momentum=0.9))

    def _run(self, name, x):
        return F.relu(getattr(self, name + '_bn')(getattr(self, name)(x)))

    def features(self, x):
        x = self._run('conv1_7x7_s2', x)
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        x = self._run('conv2_3x3_reduce', x)
        x = self._run('conv2_3x3', x)
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        for (n, cin, c1, r3, c3, rd, cd, pool, proj) in BNINCEPTION_MODULES:
            p = 'inception_' + n
            outs = []
            if c1 is not None:
                outs.append(self._run(p + '_1x1', x))
            outs.append(self._run(p + '_3x3', self._run(p + '_3x3_reduce', x)))
            outs.append(self._run(p + '_double_3x3_2', self._run(p + '_double_3x3_1', self._run(p + '_double_3x3_reduce', x))))
            if pool == 'avg':
                outs.append(self._run(p + '_pool_proj', F.avg_pool2d(x, 3, 1, 1, ceil_mode=True, count_include_pad=True)))
            elif pool == 'max':
                outs.append(self._run(p + '_pool_proj', F.max_pool2d(x, 3, 1, 1, ceil_mode=True)))
            else:
                outs.append(F.max_pool2d(x, 3, 2, ceil_mode=True))
            x = torch.cat(outs, 1)
        return x

    def logits(self, f):
        x = F.adaptive_avg_pool2d(f, 1) if self.head_kind == 'fc' else ConcatPool()(f)
        return self.last_linear(x.flatten(1))

    def forward(self, x):
        return self.logits(self.features(x))


class SEModule(nn.Module):
    def __init__(self, channels, reduction):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return x * s


class SEResNetBottleneck(nn.Module):
    def __init__(self, inplanes, planes, reduction=16, stride=1, downsample=None, groups=1):
        super().__init__()
        if groups == 1:
            self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)
            width = planes
            self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        else:
            # SEResNeXtBottleneck (base_width 4): the stride moves to the grouped 3x3 convolution.
            width = math.floor(planes * (4 / 64)) * groups
            self.conv1 = nn.Conv2d(inplanes, width, 1, stride=1, bias=False)
            self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.se_module = SEModule(planes * 4, reduction)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.se_module(self.bn3(self.conv3(out)))
        res = x if self.downsample is None else self.downsample(x)
        return F.relu(out + res)


class SEResNet50(nn.Module):
    def __init__(self, num_classes=1000, in_channels=3, head='fc', dropout_p=0.5, groups=1):
        super().__init__()
        self.head_kind = head
        self.layer0 = nn.Sequential(OrderedDict([
            ('conv1', nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)),
            ('bn1', nn.BatchNorm2d(64)),
            ('relu1', nn.ReLU(inplace=True)),
            ('pool', nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ]))
        inplanes = 64
        for i, (planes, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]):
            ds = None
            if stride != 1 or inplanes != planes * 4:
                ds = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4))
            layer = [SEResNetBottleneck(inplanes, planes, 16, stride, ds, groups)]
            inplanes = planes * 4
            layer += [SEResNetBottleneck(inplanes, planes, groups=groups) for _ in range(1, blocks)]
            setattr(self, 'layer%d' % (i + 1), nn.Sequential(*layer))
        if head == 'fc':
            self.last_linear = nn.Linear(2048, num_classes)
        else:
            self.head = seed_head(2048, num_classes, dropout_p)

    def features(self, x):
        for n in ('layer0', 'layer1', 'layer2', 'layer3', 'layer4'):
            x = getattr(self, n)(x)
        return x

    def forward(self, x):
        f = self.features(x)
        if self.head_kind == 'fc':
            return self.last_linear(F.adaptive_avg_pool2d(f, 1).flatten(1))
        return self.head(f)


class DenseNetSeed(nn.Module):
    """torchvision's densenet121/169: head='fc' is torchvision's own model; 'adaptive' = its features, ReLU, the seed head."""

    def __init__(self, arch='densenet121', num_classes=28, in_channels=3, head='adaptive', dropout_p=0.5):
        super().__init__()
        import torchvision
        body = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
        if in_channels != 3:
            body.features.conv0 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        self.head_kind = head
        self.features = body.features
        if head == 'fc':
            self.classifier = body.classifier
        else:
            self.head = seed_head(body.classifier.in_features, num_classes, dropout_p)

    def forward(self, x):
        f = F.relu(self.features(x))
        if self.head_kind == 'fc':
            return self.classifier(F.adaptive_avg_pool2d(f, 1).flatten(1))
        return self.head(f)


class InceptionV3Seed(nn.Module):
    """torchvision's Inception3 body (no AuxLogits, transform_input False) with the seed head under head.*."""

    BODY = ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'maxpool2',
            'Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e',
            'Mixed_7a', 'Mixed_7b', 'Mixed_7c')

    def __init__(self, num_classes=28, in_channels=3, head='adaptive', dropout_p=0.5):
        super().__init__()
        import torchvision
        body = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=num_classes,
                                               transform_input=False, dropout=dropout_p)
        if in_channels != 3:
            body.Conv2d_1a_3x3.conv = nn.Conv2d(in_channels, 32, 3, stride=2, bias=False)
        self.head_kind = head
        for n in self.BODY:
            setattr(self, n, getattr(body, n))
        if head == 'fc':
            self.dropout = body.dropout
            self.fc = body.fc
        else:
            self.head = seed_head(2048, num_classes, dropout_p)

    def features(self, x):
        for n in self.BODY:
            x = getattr(self, n)(x)
        return x

    def forward(self, x):
        f = self.features(x)
        if self.head_kind == 'fc':
            return self.fc(self.dropout(F.adaptive_avg_pool2d(f, 1)).flatten(1))
        return self.head(f)


def build(arch, num_classes=28, in_channels=3, head='adaptive', dropout_p=0.5):
    """A reference model by hpaic's registry name."""
    if arch == 'bninception':
        return BNInception(num_classes, in_channels, head, dropout_p)
    if arch == 'se_resnet50':
        return SEResNet50(num_classes, in_channels, head, dropout_p)
    if arch == 'se_resnext50_32x4d':
        return SEResNet50(num_classes, in_channels, head, dropout_p, groups=32)
    if arch in ('densenet121', 'densenet169'):
        return DenseNetSeed(arch, num_classes, in_channels, head, dropout_p)
    if arch == 'inceptionv3':
        return InceptionV3Seed(num_classes, in_channels, head, dropout_p)
    raise ValueError('unknown arch ' + arch)


def adapt_input_conv(weight, in_channels):
    """timm's adapt_input_conv: 1 channel = sum of the RGB filters; otherwise repeat the RGB filters
    cyclically up to in_channels and scale by 3 / in_channels (so the summed response is preserved)."""
    w = weight.float()
    if in_channels == 3:
        return w
    if in_channels == 1:
        return w.sum(dim=1, keepdim=True)
    reps = int(math.ceil(in_channels / 3))
    return w.repeat(1, reps, 1, 1)[:, :in_channels, :, :] * (3 / float(in_channels))


def copy_first_conv(weight, in_channels):
    """bestfitting's RGBY first convolution (networks/densenet.py): torch.cat((w, w[:, :1]), dim=1), extended to
    more channels by repeating the first filter; fewer than 3 channels keep the first filters."""
    w = weight.float()
    if in_channels <= 3:
        return w[:, :in_channels].clone()
    return torch.cat([w] + [w[:, :1]] * (in_channels - 3), dim=1)


def calibrate_bn(model, x, jitter=0.2, seed=0):
    """Sets every BatchNorm's running statistics to those of batch `x` (one train-mode pass with cumulative
    averaging), then jitters them (variance x U(1 - jitter, 1 + jitter)). Random networks in eval mode with
    default running stats shrink or blow up their activations layer after layer; calibrated ones keep them
    near unit scale, so that comparisons of features and logits are meaningful."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    was_training = model.training
    model.train()
    with torch.no_grad():
        model(x)
    g = torch.Generator().manual_seed(seed)
    for m, (mom, nbt) in zip(bns, saved):
        m.momentum = mom
        m.num_batches_tracked.copy_(nbt)
        m.running_var.mul_(1 + jitter * (2 * torch.rand(m.running_var.shape, generator=g) - 1))
    model.train(was_training)
    return model
