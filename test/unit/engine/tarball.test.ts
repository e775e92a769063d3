// The npm tarball extractor the engine's GPU builds go through: GNU long names and pax paths, files larger than a
// stream chunk, and what it refuses (links, paths leaving the folder, a truncated or corrupt archive).
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractTarGz } from '../../../src/engine/tarball';

interface Entry {
  name: string;
  data?: Buffer | string;
  type?: string;
}

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) {
    sum += b;
  }
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function tar(entries: readonly Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    blocks.push(header(e.name, data.length, e.type ?? '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

suite('engine: npm tarball extraction', () => {
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiered-tar-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  const extract = (archive: Buffer): Promise<{ files: number; bytes: number }> => {
    const file = join(dir, 'a.tgz');
    writeFileSync(file, gzipSync(archive));
    return extractTarGz(file, join(dir, 'out'));
  };

  test('files under package/ land in the folder; long names (GNU and pax) and a large file are written whole', async () => {
    const big = randomBytes(3 * 2 ** 20 + 17);
    const longName = `package/bins/${'very-long-folder-name/'.repeat(6)}llama-addon.node`;
    const paxName = `package/${'pax-path-'.repeat(15)}.txt`;
    const pax = `${`x path=${paxName}\n`.length + 3} path=${paxName}\n`;
    const result = await extract(
      tar([
        { name: 'package/package.json', data: '{"name":"p"}' },
        { name: 'package/bins', type: '5' },
        { name: 'package/bins/big.so', data: big },
        { name: '././@LongLink', type: 'L', data: `${longName}\0` },
        { name: longName.slice(0, 100), data: 'long' },
        { name: 'PaxHeader', type: 'x', data: pax },
        { name: 'short-name-replaced.txt', data: 'pax' },
        { name: 'package/empty.txt', data: '' },
      ]),
    );
    assert.equal(result.files, 5);
    assert.equal(readFileSync(join(dir, 'out', 'package.json'), 'utf8'), '{"name":"p"}');
    assert.deepEqual(readFileSync(join(dir, 'out', 'bins', 'big.so')), big);
    assert.equal(readFileSync(join(dir, 'out', longName.slice('package/'.length)), 'utf8'), 'long');
    assert.equal(readFileSync(join(dir, 'out', paxName.slice('package/'.length)), 'utf8'), 'pax');
    assert.equal(readFileSync(join(dir, 'out', 'empty.txt'), 'utf8'), '');
    assert.equal(existsSync(join(dir, 'out', 'short-name-replaced.txt')), false);
  });

  test('a path leaving the folder, an absolute path or a link is refused', async () => {
    await assert.rejects(extract(tar([{ name: 'package/../../escape.txt', data: 'x' }])), /unsafe path/);
    assert.equal(existsSync(join(dir, 'escape.txt')), false);
    await assert.rejects(extract(tar([{ name: '/etc/tiered-test', data: 'x' }])), /unsafe path/);
    await assert.rejects(extract(tar([{ name: 'package/link', type: '2' }])), /not a regular file/);
  });

  test('a truncated or corrupt archive fails', async () => {
    const whole = tar([{ name: 'package/a.bin', data: randomBytes(5000) }]);
    await assert.rejects(extract(whole.subarray(0, 2048)), /truncated/);
    const corrupt = Buffer.from(whole);
    corrupt[10] = 0x41;
    await assert.rejects(extract(corrupt), /checksum/);
  });
});
