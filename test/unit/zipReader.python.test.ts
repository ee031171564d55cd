import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader } from '../../src/io/zip/zipReader.js';
import { DataError } from '../../src/errors.js';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';

test('reads stored, deflated and ZIP64 entries written by Python zipfile, and checks CRCs', { skip: pythonSkip('zipfile') }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 251));
    writeFileSync(join(dir, 'payload.bin'), payload);
    runPython(
      `import sys, zipfile
d = sys.argv[1]
data = open(d + '/payload.bin', 'rb').read()
with zipfile.ZipFile(d + '/a.zip', 'w') as z:
    z.writestr(zipfile.ZipInfo('stored.bin'), data, compress_type=zipfile.ZIP_STORED)
    z.writestr('deflated.bin', data, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('dir/', b'')
with zipfile.ZipFile(d + '/b.zip', 'w', compression=zipfile.ZIP_DEFLATED) as z:
    for i in range(3):
        with z.open('f%d.bin' % i, 'w', force_zip64=True) as w:
            w.write(data[i:])
with zipfile.ZipFile(d + '/many.zip', 'w') as z:
    for i in range(65600):
        z.writestr('e%05d' % i, b'%d' % i)
`,
      [dir],
    );
    const a = await ZipReader.open(join(dir, 'a.zip'));
    assert.deepEqual(a.names(), ['stored.bin', 'deflated.bin']);
    assert.deepEqual(Buffer.from(await a.read('stored.bin')), payload);
    assert.deepEqual(Buffer.from(await a.read('deflated.bin')), payload);
    await assert.rejects(a.read('missing.png'), (e: unknown) => e instanceof DataError && /a\.zip:missing\.png: no such entry/.test(e.message));
    await a.close();
    const b = await ZipReader.open(join(dir, 'b.zip'));
    for (let i = 0; i < 3; i++) assert.deepEqual(Buffer.from(await b.read(`f${i}.bin`)), payload.subarray(i));
    await b.close();
    // More than 65535 entries: only the ZIP64 end record has the true count.
    const many = await ZipReader.open(join(dir, 'many.zip'));
    assert.equal(many.entries.size, 65600);
    assert.equal(new TextDecoder().decode(await many.read('e65599')), '65599');
    await many.close();
    // Flip a byte inside the stored entry's data: the CRC check names the entry.
    const bytes = readFileSync(join(dir, 'a.zip'));
    const at = bytes.indexOf(payload.subarray(100, 120));
    bytes[at] ^= 0xff;
    writeFileSync(join(dir, 'c.zip'), bytes);
    const c = await ZipReader.open(join(dir, 'c.zip'));
    await assert.rejects(c.read('stored.bin'), /c\.zip:stored\.bin: fails its CRC-32 check/);
    await c.close();
    writeFileSync(join(dir, 'd.zip'), 'not a zip at all');
    await assert.rejects(ZipReader.open(join(dir, 'd.zip')), /d\.zip: not a zip archive/);
  } finally {
    cleanup();
  }
});
