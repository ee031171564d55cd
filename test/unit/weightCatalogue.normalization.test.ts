import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizationFor, weightEntries, weightEntry, WEIGHT_CATALOGUE } from '../../src/models/weightCatalogue.js';
import { ConfigError } from '../../src/errors.js';

test('each weight set carries its own input convention; RGBY extends it cyclically', () => {
  assert.deepEqual(normalizationFor('bninception', 4), { inputSpace: 'BGR', inputRange: [0, 255], mean: [104, 117, 128, 104], std: [1, 1, 1, 1] });
  assert.deepEqual(normalizationFor('ResNet34'), { inputSpace: 'RGB', inputRange: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.deepEqual(normalizationFor('inceptionv3').mean, [0.5, 0.5, 0.5]);
  assert.equal(weightEntry('resnet50').file, 'resnet50-0676ba61.pth');
  assert.deepEqual(weightEntries('resnet50').map((e) => e.tag), ['IMAGENET1K_V1', 'IMAGENET1K_V2']);
  for (const e of WEIGHT_CATALOGUE) assert.ok(e.url.endsWith(e.file), e.file);
  assert.throws(() => normalizationFor('vgg16'), ConfigError);
});
