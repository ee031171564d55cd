import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { REPO_ROOT, tempDir } from '../helpers/env.js';
import { synthJobs } from '../../src/synth/generateSynthDataset.js';
import { synthImage } from '../../src/synth/synthSample.js';

const bin = join(REPO_ROOT, 'bin', 'hpaic.js');
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-11e8-[0-9a-f]{4}-ac1f6b[0-9a-f]{6}$/;

test('hpaic synth writes the Kaggle layout, hidden truth and a contact sheet', async () => {
  const t = tempDir();
  try {
    const out = join(t.dir, 'synth');
    const sheet = join(t.dir, 'sheet.png');
    const r = spawnSync(process.execPath, [bin, 'synth', '--out', out, '--train', '5', '--test', '3', '--size', '48', '--seed', '3', '--workers', '1', '--quiet', '--contact-sheet', sheet], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote 5 train \+ 3 test samples of 48x48/);
    const train = readFileSync(join(out, 'train.csv'), 'utf8').trim().split('\n');
    const sub = readFileSync(join(out, 'sample_submission.csv'), 'utf8').trim().split('\n');
    const truth = readFileSync(join(out, 'test_truth.csv'), 'utf8').trim().split('\n');
    assert.equal(train[0], 'Id,Target');
    assert.equal(sub[0], 'Id,Predicted');
    assert.equal(truth[0], 'Id,Target');
    assert.equal(train.length, 6);
    assert.equal(sub.length, 4);
    const trainIds = train.slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(trainIds, [...trainIds].sort(), 'train.csv is sorted by Id like Kaggle\'s');
    for (const line of train.slice(1)) assert.match(line, /^[0-9a-f-]{36},\d+( \d+)*$/);
    for (const id of trainIds) assert.match(id, ID);
    for (const line of sub.slice(1)) assert.match(line, /^[0-9a-f-]{36},0$/);
    assert.deepEqual(truth.slice(1).map((l) => l.split(',')[0]), sub.slice(1).map((l) => l.split(',')[0]));
    const trainFiles = readdirSync(join(out, 'train')).sort();
    assert.deepEqual(trainFiles, trainIds.flatMap((id) => ['blue', 'green', 'red', 'yellow'].map((c) => `${id}_${c}.png`)).sort());
    assert.equal(readdirSync(join(out, 'test')).length, 12);
    const meta = await sharp(join(out, 'train', `${trainIds[0]}_green.png`)).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 48);
    assert.equal(meta.height, 48);
    assert.equal(meta.channels, 1);
    assert.equal(meta.depth, 'uchar');
    // The labels are those drawn for the sample, the decoded pixels exactly the rendered ones.
    const first = synthJobs('train', 5, 3, 0.01).find((j) => j.id === trainIds[0])!;
    assert.equal(train[1].split(',')[1], first.labels.join(' '));
    const rendered = synthImage(3, first, 48);
    const { data, info } = await sharp(join(out, 'train', `${trainIds[0]}_green.png`)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 1);
    assert.ok(Buffer.from(rendered.green).equals(data));
    const sm = await sharp(sheet).metadata();
    assert.equal(sm.format, 'png');
    assert.ok((sm.width ?? 0) > 4 * 2 * 48);
  } finally {
    t.cleanup();
  }
});

test('hpaic synth without --out is a usage error', () => {
  const r = spawnSync(process.execPath, [bin, 'synth'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing required option --out/);
  const bad = spawnSync(process.execPath, [bin, 'synth', '--out', '/tmp/x', '--min-class-frac', '0.5'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--min-class-frac expects a number <= 0.05 but received 0.5/);
});
