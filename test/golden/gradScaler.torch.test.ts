/**
 * GradScaler against torch.cuda.amp.GradScaler (torch 1.13, /usr/bin/python3) on scripted sequences of finite,
 * inf and NaN steps. The reference is torch's own GradScaler class (its stages, skip logic, update control flow
 * and state_dict) run on the CPU: 1.13 has CUDA-only kernels for the two private ops it calls, so the test
 * supplies them in Python, written from their CUDA definitions (ATen/native/cuda/AmpKernels.cu: the documented
 * rule: found inf → scale × backoff, tracker 0; else tracker + 1, and at growth_interval scale × growth unless
 * that overflows float32, tracker 0). Both sides train the same Linear layer with SGD on the same data.
 * Compared after every step: the scale, the growth tracker (torch's state_dict), the parameters (skipped steps
 * leave them alone) and, where the script unscales before stepping (as for gradient clipping), the
 * unscaled gradients.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradScaler, type GradScalerOptions, type GradScalerState } from '../../src/optim/GradScaler.js';
import { SGD } from '../../src/optim/SGD.js';
import { Linear } from '../../src/nn/Linear.js';
import { tensor, tidy, noGrad, manualSeed, getNumThreads } from '../../src/tensor/index.js';
import { HpaicError } from '../../src/errors.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { saveTrainingState, loadTrainingState } from '../../src/train/trainingState.js';
import { ReduceLROnPlateau } from '../../src/optim/ReduceLROnPlateau.js';
import { EarlyStopping } from '../../src/optim/EarlyStopping.js';

const skip = pythonSkip('torch');

const PY = String.raw`
import sys, json, warnings, torch
from torch.cuda.amp import grad_scaler as gs
d = json.loads(sys.stdin.read())
torch.set_num_threads(d['threads'])

def non_finite_check_and_unscale_(grads, found_inf, inv_scale):
    # AmpKernels.cu: found_inf = 1 if any value is inf/NaN; every value multiplied by inv_scale (float).
    for g in grads:
        if not bool(torch.isfinite(g).all()):
            found_inf.fill_(1.0)
        g.mul_(inv_scale)

def update_scale_(scale, tracker, found_inf, growth, backoff, interval):
    # AmpKernels.cu's _amp_update_scale_ (float scale, double factors, stored back as float).
    f32 = lambda v: torch.tensor(v, dtype=torch.float32)
    if found_inf.item():
        scale.copy_(f32(scale.item() * backoff))
        tracker.fill_(0)
    else:
        successful = tracker.item() + 1
        if successful == interval:
            grown = f32(scale.item() * growth)
            if bool(torch.isfinite(grown)):
                scale.copy_(grown)
            tracker.fill_(0)
        else:
            tracker.fill_(successful)
    return scale

torch._amp_foreach_non_finite_check_and_unscale_ = non_finite_check_and_unscale_
torch._amp_update_scale_ = update_scale_
gs.amp_definitely_not_available = lambda: False
class CpuReplicator(gs._MultiDeviceReplicator):
    def __init__(self, master):
        self.master = master
        self._per_device_tensors = {}
gs._MultiDeviceReplicator = CpuReplicator

o = d['opts']
scaler = gs.GradScaler(init_scale=o['initScale'], growth_factor=o['growthFactor'], backoff_factor=o['backoffFactor'], growth_interval=o['growthInterval'])
scaler._lazy_init_scale_growth_tracker(torch.device('cpu'))
m = torch.nn.Linear(5, 3)
with torch.no_grad():
    m.weight.copy_(torch.tensor(d['w']).reshape(3, 5))
    m.bias.copy_(torch.tensor(d['b']))
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
c = torch.tensor(d['c']).reshape(4, 3)
steps = []
for i, ev in enumerate(d['events']):
    x = torch.tensor(d['x'][i]).reshape(4, 5)
    if ev['poison'] == 'inf':
        x[0, 0] = float('inf')
    elif ev['poison'] == 'nan':
        x[1, 2] = float('nan')
    opt.zero_grad(set_to_none=True)
    loss = (m(x) * c).sum()
    (loss * scaler._scale).backward()   # scaler.scale(loss) asserts a CUDA tensor; this is its body
    rec = {}
    if ev['unscaleFirst']:
        scaler.unscale_(opt)
        rec['grads'] = [p.grad.reshape(-1).tolist() for p in m.parameters()] if ev['poison'] == 'none' else None
    scaler.step(opt)
    scaler.update()
    rec['state'] = scaler.state_dict()
    rec['params'] = [p.detach().reshape(-1).tolist() for p in m.parameters()]
    steps.append(rec)
restored = gs.GradScaler()
restored.load_state_dict(d['hpaicState'])
restored._lazy_init_scale_growth_tracker(torch.device('cpu'))
print(json.dumps({'steps': steps, 'restored': restored.state_dict()}))
`;

interface Event {
  poison: 'none' | 'inf' | 'nan';
  unscaleFirst: boolean;
}
interface Recorded {
  state: GradScalerState;
  params: number[][];
  grads?: number[][] | null;
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** The same script in hpaic; returns what it recorded after each step and the final scaler state. */
function runHpaic(opts: GradScalerOptions, events: Event[], data: { w: number[]; b: number[]; c: number[]; x: number[][] }): { steps: Recorded[]; final: GradScalerState } {
  manualSeed(0);
  const m = new Linear(5, 3);
  noGrad(() => {
    m.weight.copy_(tensor(data.w, [3, 5]));
    m.bias!.copy_(tensor(data.b, [3]));
  });
  const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
  const scaler = new GradScaler(opts);
  const c = tensor(data.c, [4, 3]);
  const steps: Recorded[] = [];
  const flat = (): number[][] => m.parameters().map((p) => Array.from(p.toTypedArray() as Float32Array));
  events.forEach((ev, i) => {
    const xs = data.x[i].slice();
    if (ev.poison === 'inf') xs[0] = Infinity;
    if (ev.poison === 'nan') xs[1 * 5 + 2] = NaN;
    const rec: Recorded = { state: {}, params: [] };
    tidy(() => {
      opt.zeroGrad();
      const loss = m.forward(tensor(xs, [4, 5])).mul(c).sum();
      scaler.scale(loss).backward();
      if (ev.unscaleFirst) {
        scaler.unscale_(opt);
        rec.grads = ev.poison === 'none' ? m.parameters().map((p) => tidy(() => Array.from(p.grad!.toTypedArray() as Float32Array))) : null;
      }
      scaler.step(opt);
      scaler.update();
    });
    rec.state = scaler.stateDict();
    rec.params = flat();
    steps.push(rec);
  });
  const final = scaler.stateDict();
  opt.dispose();
  m.dispose();
  c.dispose();
  return { steps, final };
}

function script(n: number, rnd: () => number, poisonAt: Record<number, 'inf' | 'nan'>, unscaleAt: number[]): Event[] {
  return Array.from({ length: n }, (_, i) => ({ poison: poisonAt[i] ?? 'none', unscaleFirst: unscaleAt.includes(i) }));
}

const SCENARIOS: { name: string; opts: Required<Omit<GradScalerOptions, 'enabled'>>; events: (r: () => number) => Event[] }[] = [
  {
    // torch's defaults except a short growth interval, so that growth, backoff and the tracker reset all happen.
    name: 'defaults with growthInterval 3: growth, inf and NaN backoffs, unscale_ before step',
    opts: { initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 },
    events: (r) => script(16, r, { 4: 'inf', 5: 'nan', 11: 'inf' }, [1, 2, 6, 11, 13]),
  },
  {
    // A scale near float32's top: the scaled loss itself overflows (real overflow, no poisoned input), and
    // growth that would reach inf is refused.
    name: 'near float32 max: natural overflow and clamped growth',
    opts: { initScale: 2 ** 126, growthFactor: 2, backoffFactor: 0.5, growthInterval: 1 },
    events: (r) => script(10, r, {}, [3]),
  },
  {
    // Factors that are not powers of two: every product is rounded to float32 as in torch's scale tensor.
    name: 'growth 3, backoff 0.3, interval 2 (float32 rounding of the scale)',
    opts: { initScale: 1000.5, growthFactor: 3, backoffFactor: 0.3, growthInterval: 2 },
    events: (r) => script(14, r, { 2: 'nan', 3: 'inf', 9: 'inf' }, [0, 7]),
  },
];

for (const sc of SCENARIOS) {
  test(`GradScaler equals torch.cuda.amp.GradScaler's state machine: ${sc.name}`, { skip }, () => {
    const r = lcg(7);
    const events = sc.events(r);
    const data = {
      w: Array.from({ length: 15 }, () => r() - 0.5),
      b: Array.from({ length: 3 }, () => r() - 0.5),
      c: Array.from({ length: 12 }, () => r() * 2 - 1),
      x: events.map(() => Array.from({ length: 20 }, () => (r() - 0.5) * 4)),
    };
    const mine = runHpaic(sc.opts, events, data);
    const ref = JSON.parse(runPython(PY, [], JSON.stringify({ threads: getNumThreads(), opts: sc.opts, events, ...data, hpaicState: mine.final }))) as {
      steps: Recorded[];
      restored: GradScalerState;
    };
    const skipped = mine.steps.filter((s, i) => i > 0 && JSON.stringify(s.params) === JSON.stringify(mine.steps[i - 1].params)).length;
    assert.ok(skipped >= 2, `the script should skip steps (skipped ${skipped})`);
    mine.steps.forEach((s, i) => {
      assert.deepEqual(s.state, ref.steps[i].state, `step ${i}: scaler state`);
      if (s.grads !== undefined) assert.deepEqual(s.grads, ref.steps[i].grads, `step ${i}: unscaled gradients`);
      assert.deepEqual(s.params, ref.steps[i].params, `step ${i}: parameters`);
    });
    // torch loads hpaic's state dict and reports the same state back.
    assert.deepEqual(ref.restored, mine.final);
    console.log(`# ${sc.name}: scales ${mine.steps.map((s) => (s.state as { scale: number }).scale).join(', ')}`);
  });
}

test('GradScaler misuse fails like torch: unscale_ twice, step twice, update before step, empty state', () => {
  const m = new Linear(2, 1);
  const opt = new SGD(m.parameters(), { lr: 0.1 });
  const scaler = new GradScaler();
  const x = tensor([1, 2], [1, 2]);
  tidy(() => scaler.scale(m.forward(x).sum()).backward());
  assert.throws(() => scaler.update(), (e: unknown) => e instanceof HpaicError && /no inf checks were recorded/.test((e as Error).message));
  scaler.unscale_(opt);
  assert.throws(() => scaler.unscale_(opt), /has already been called on this optimizer since the last update/);
  assert.equal(scaler.step(opt), true);
  assert.throws(() => scaler.step(opt), /step\(\) has already been called since the last update/);
  assert.throws(() => scaler.unscale_(opt), /is being called after step/);
  scaler.update();
  assert.equal(scaler.getGrowthTracker(), 1);
  assert.throws(() => scaler.loadStateDict({}), /saved from a disabled GradScaler/);
  assert.throws(() => new GradScaler({ growthFactor: 1 }), /growthFactor must be > 1.0/);
  assert.throws(() => new GradScaler({ backoffFactor: 1 }), /backoffFactor must be < 1.0/);
  opt.dispose();
  m.dispose();
  x.dispose();
});

test('a disabled GradScaler passes through: same loss tensor, plain optimizer step, scale 1, empty state', () => {
  const m = new Linear(2, 1);
  const opt = new SGD(m.parameters(), { lr: 0.1 });
  const scaler = new GradScaler({ enabled: false });
  const before = Array.from(m.weight.toTypedArray() as Float32Array);
  tidy(() => {
    const loss = m.forward(tensor([1, 2], [1, 2])).sum();
    assert.equal(scaler.scale(loss), loss);
    loss.backward();
    assert.equal(scaler.step(opt), true);
    scaler.update();
  });
  assert.notDeepEqual(Array.from(m.weight.toTypedArray() as Float32Array), before);
  assert.equal(scaler.getScale(), 1);
  assert.deepEqual(scaler.stateDict(), {});
  scaler.loadStateDict({ scale: 8, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, _growth_tracker: 3 });
  assert.equal(scaler.getScale(), 1);
  opt.dispose();
  m.dispose();
});

// last.pth carries an fp16 run's scaler under "scaler" with torch's state_dict keys: torch reads it with
// torch.load and its GradScaler takes it with load_state_dict; hpaic restores it for an exact resume.
const PY_LAST = String.raw`
import sys, json, torch
from torch.cuda.amp import grad_scaler as gs
gs.amp_definitely_not_available = lambda: False
root = torch.load(sys.argv[1])
s = gs.GradScaler()
s.load_state_dict(root['scaler'])
print(json.dumps({'keys': sorted(root['scaler'].keys()), 'state': s.state_dict()}))
`;

test('an enabled scaler is saved in last.pth with torch GradScaler keys, read by torch and restored by hpaic', { skip }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const parts = () => {
      manualSeed(0);
      const model = new Linear(3, 2);
      const optimizer = new SGD(model.parameters(), { lr: 0.1 });
      return { model, optimizer, scheduler: new ReduceLROnPlateau(optimizer, { mode: 'max' }), earlyStop: new EarlyStopping({ patience: 3, mode: 'max' }) };
    };
    const a = parts();
    const scaler = new GradScaler({ initScale: 1024, growthInterval: 3 });
    // Two finite steps, so the tracker is 2, then one overflow: scale 512, tracker 0, then one finite step.
    for (const poison of [false, false, true, false]) {
      tidy(() => {
        a.optimizer.zeroGrad();
        scaler.scale(a.model.forward(tensor([1, poison ? Infinity : 2, 3], [1, 3])).sum()).backward();
        scaler.step(a.optimizer);
        scaler.update();
      });
    }
    const saved = scaler.stateDict();
    assert.deepEqual(saved, { scale: 512, growth_factor: 2, backoff_factor: 0.5, growth_interval: 3, _growth_tracker: 1 });
    const path = `${dir}/last.pth`;
    saveTrainingState(path, { epoch: 1, ...a, scaler, checkpointBest: 0.5 });
    const ref = JSON.parse(runPython(PY_LAST, [path])) as { keys: string[]; state: GradScalerState };
    assert.deepEqual(ref.keys, ['_growth_tracker', 'backoff_factor', 'growth_factor', 'growth_interval', 'scale']);
    assert.deepEqual(ref.state, saved);
    const b = parts();
    const restored = new GradScaler();
    loadTrainingState(path, { ...b, scaler: restored });
    assert.deepEqual(restored.stateDict(), saved);
    // A disabled scaler (fp32 / bf16) writes no "scaler" entry, and loading ignores one.
    saveTrainingState(path, { epoch: 1, ...a, scaler: new GradScaler({ enabled: false }), checkpointBest: 0.5 });
    assert.throws(() => runPython(PY_LAST, [path]), /KeyError: 'scaler'/);
    for (const p of [a, b]) {
      p.optimizer.dispose();
      p.model.dispose();
    }
  } finally {
    cleanup();
  }
});

test('training through an enabled scaler equals unscaled training bit for bit (power-of-two scale, no overflow)', () => {
  // The fp16 training step's plumbing (scale → backward → unscale → step → update), run in fp32 on the CPU:
  // scaling by 2^k and unscaling is exact, so any missing or doubled unscale would show.
  const run = (scaler: GradScaler | null): number[] => {
    manualSeed(3);
    const m = new Linear(6, 4);
    const opt = new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    const r = lcg(11);
    for (let i = 0; i < 20; i++) {
      tidy(() => {
        opt.zeroGrad();
        const loss = m.forward(tensor(Array.from({ length: 12 }, () => r() - 0.5), [2, 6])).pow(2).mean();
        if (scaler) {
          scaler.scale(loss).backward();
          scaler.step(opt);
          scaler.update();
        } else {
          loss.backward();
          opt.step();
        }
      });
    }
    const w = Array.from(m.weight.toTypedArray() as Float32Array);
    opt.dispose();
    m.dispose();
    return w;
  };
  const scaler = new GradScaler({ growthInterval: 5 });
  assert.deepEqual(run(scaler), run(null));
  assert.equal(scaler.getScale(), 2 ** 20, 'four growths in 20 finite steps');
});
