/** The `precision` key: default, case-insensitive values, and the refusals that name the key (fp16 on the CPU, amp). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/loadConfig.js';
import { ConfigError } from '../../src/errors.js';

const base = { name: 'x', dataset: { root_dir: 'd' } };
function errorOf(raw: unknown, overrides?: Record<string, unknown>): string {
  try {
    parseConfig(raw, { source: 'config.json', overrides });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

test('precision defaults to fp32 (the seed) and takes bf16 / fp16 in any case, also from --set', () => {
  assert.equal(parseConfig(base).precision, 'fp32');
  assert.equal(parseConfig({ ...base, precision: 'BF16' }).precision, 'bf16');
  assert.equal(parseConfig(base, { overrides: { precision: 'bf16' } }).precision, 'bf16');
  assert.equal(parseConfig({ ...base, device: 'cuda', precision: 'fp16' }).precision, 'fp16');
  assert.equal(parseConfig({ ...base, device: 'auto', precision: 'fp16' }).precision, 'fp16');
});

test('precision errors name the key: unknown values, fp16 with device cpu, amp: true', () => {
  assert.equal(errorOf({ ...base, precision: 'fp8' }), 'config.json: precision: expected one of "fp32", "bf16", "fp16" but received "fp8"');
  assert.equal(errorOf({ ...base, device: 'cpu', precision: 'fp16' }), 'config.json: precision: expected "fp32" or "bf16" when device is "cpu" ("fp16" needs CUDA) but received "fp16"');
  assert.equal(errorOf({ ...base, amp: true }), 'config.json: amp: expected false (amp is replaced by "precision": "bf16" (CPU or CUDA) or "fp16" (CUDA)) but received true');
  assert.equal(parseConfig({ ...base, amp: false }).amp, false);
});
