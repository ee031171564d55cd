/**
 * The caching CPU allocator's bounds (native/src/CachingCpuAllocator.cc), read from its own counters and from
 * /proc. The allocator is configured from the environment when the addon loads, so each case runs in a child
 * process with its settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../helpers/env.js';

interface Report {
  [k: string]: number;
}

/** Runs `body` (a module body with `rand`, `tidy`, `stats`, `emptyCpuCache`, `sleep`, `out`) in a fresh process. */
function inChild(env: Record<string, string>, body: string): Report {
  const src = `
    import { rand, tidy, cpuCacheStats as stats, emptyCpuCache, setNumThreads } from './src/tensor/index.ts';
    setNumThreads(1);
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const out = {};
    ${body}
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', src], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
}

const MiB = 2 ** 20;

test('a repeated step reuses its blocks: no misses after the first round', () => {
  const r = inChild({}, `
    // One "step": 40 float tensors of 1-8 MiB alive together, then all freed.
    const step = () => tidy(() => { for (let i = 0; i < 40; i++) rand([256, 1024 * (1 + (i % 8))]); });
    step();
    const warm = stats();
    for (let i = 0; i < 20; i++) step();
    const s = stats();
    out.misses = s.misses - warm.misses; out.hits = s.hits - warm.hits; out.mapped = s.mappedBytes; out.peakLive = s.peakLiveBytes;`);
  assert.equal(r.misses, 0, 'every block of a repeated step should come from the cache');
  assert.equal(r.hits, 20 * 40);
  assert.ok(r.mapped <= 1.5 * r.peakLive + 8 * MiB, `mapped ${r.mapped} vs peak live ${r.peakLive}`);
});

test('the free list never holds more than 1.5 peak working sets, however many sizes pass through', () => {
  const r = inChild({}, `
    // 300 one-off sizes, a few alive at a time: the old exact-size cache kept every one of them.
    let maxCachedOverPeak = 0;
    for (let i = 0; i < 300; i++) {
      tidy(() => { rand([1000 + 7 * i, 300]); rand([700 + 11 * i, 400]); });
      const s = stats();
      maxCachedOverPeak = Math.max(maxCachedOverPeak, s.cachedBytes / s.peakLiveBytes);
    }
    const s = stats();
    out.ratio = maxCachedOverPeak; out.released = s.releasedBytes; out.cached = s.cachedBytes;`);
  assert.ok(r.ratio <= 1.5, `cached bytes reached ${r.ratio.toFixed(2)}× the peak live bytes`);
  assert.ok(r.released > 0, 'older blocks should have been unmapped');
});

test('HPAIC_CPU_CACHE_BOUND sets the free-list bound', () => {
  const r = inChild({ HPAIC_CPU_CACHE_BOUND: '0.5' }, `
    let maxRatio = 0;
    for (let i = 0; i < 100; i++) {
      tidy(() => { rand([1000 + 7 * i, 300]); rand([700 + 11 * i, 400]); });
      const s = stats();
      maxRatio = Math.max(maxRatio, s.cachedBytes / s.peakLiveBytes);
    }
    out.ratio = maxRatio;`);
  assert.ok(r.ratio <= 0.5 && r.ratio > 0.1, `cached/peak live ${r.ratio}`);
});

test('free blocks left unused for HPAIC_CPU_CACHE_AGE_S are unmapped, and RSS falls with them', () => {
  const r = inChild({ HPAIC_CPU_CACHE_AGE_S: '0.3' }, `
    const { readFileSync } = await import('node:fs');
    const rss = () => Number(readFileSync('/proc/self/status', 'utf8').match(/VmRSS:\\s+(\\d+)/)[1]) * 1024;
    tidy(() => { for (let i = 0; i < 20; i++) rand([1024, 1024 + i * 64]).add_(1); });
    const cachedBefore = stats().cachedBytes;
    const rssBefore = rss();
    await sleep(500);
    tidy(() => rand([300, 300])); // any allocation from the cache checks the ages
    out.cachedBefore = cachedBefore; out.cachedAfter = stats().cachedBytes; out.rssDrop = rssBefore - rss();`);
  assert.ok(r.cachedBefore > 80 * MiB, `expected the freed blocks in the cache, got ${r.cachedBefore}`);
  assert.ok(r.cachedAfter < 2 * MiB, `aged blocks should be gone, ${r.cachedAfter} bytes cached`);
  assert.ok(r.rssDrop > 60 * MiB, `RSS fell by only ${r.rssDrop} bytes`);
});

test('HPAIC_CPU_CACHE_LIMIT keeps the mapping near the working set; emptyCpuCache gives everything back', () => {
  const r = inChild({ HPAIC_CPU_CACHE_LIMIT: '1.1' }, `
    let worst = 0;
    for (let i = 0; i < 100; i++) {
      tidy(() => { rand([1000 + 7 * i, 300]); rand([700 + 11 * i, 400]); });
      const s = stats();
      worst = Math.max(worst, s.peakMappedBytes / s.peakLiveBytes);
    }
    const cached = stats().cachedBytes;
    out.worst = worst; out.cached = cached; out.emptied = emptyCpuCache(); out.after = stats().cachedBytes;`);
  assert.ok(r.worst <= 1.1 + 0.05, `mapped reached ${r.worst.toFixed(2)}× the peak working set`);
  assert.equal(r.emptied, r.cached);
  assert.equal(r.after, 0);
});

test('HPAIC_CPU_CACHE=0 turns the cache off: no counters', () => {
  const r = inChild({ HPAIC_CPU_CACHE: '0' }, `out.off = stats() === null ? 1 : 0; out.emptied = emptyCpuCache();`);
  assert.equal(r.off, 1);
  assert.equal(r.emptied, 0);
});
