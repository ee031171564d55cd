// Times reading and writing a ResNet50 state dict (~100 MB) in both weight formats.
// Usage: npx tsx scripts/bench-weight-files.ts   (needs /usr/bin/python3 with torch and torchvision to make the file)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStateDict, writeTorchFile } from '../src/io/weights/torchZip.js';
import { readSafetensors, writeSafetensors } from '../src/io/weights/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'hpaic-bench-'));
try {
  const src = join(dir, 'resnet50.pt');
  const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, torch, torchvision; torch.save(torchvision.models.resnet50().state_dict(), sys.argv[1])', src], { stdio: 'inherit' });
  if (py.status !== 0) throw new Error('python failed');
  const time = (what: string, fn: () => void) => {
    const best = Math.min(...[0, 1, 2].map(() => { const t = performance.now(); fn(); return performance.now() - t; }));
    console.log(`${what.padEnd(28)} ${best.toFixed(0).padStart(5)} ms (best of 3)`);
  };
  let sd = readStateDict(src);
  console.log(`ResNet50 state dict: ${sd.size} tensors, ${(statSync(src).size / 1e6).toFixed(1)} MB`);
  time('readStateDict (torch.save)', () => { sd = readStateDict(src); });
  time('writeTorchFile', () => writeTorchFile(join(dir, 'out.pt'), sd));
  time('readStateDict (ours)', () => readStateDict(join(dir, 'out.pt')));
  time('writeSafetensors', () => writeSafetensors(join(dir, 'out.safetensors'), sd));
  time('readSafetensors', () => readSafetensors(join(dir, 'out.safetensors')));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
