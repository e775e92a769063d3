// The engine's GPU builds fetched on first use: which one to offer, and the install against a local fake npm
// registry serving a package tarball the test generates (good, wrong hash, 404, interrupted then resumed, unsafe).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DownloadError } from '../../../src/engine/download';
import { gpuPackagesDir, gpuVariantPackage, gpuVariantToOffer, installGpuVariant, isGpuVariantInstalled, publishedTarball, sha512HexOfIntegrity } from '../../../src/engine/gpuVariant';
import type { GpuVariant } from '../../../src/engine/gpuVariant';
import { gpuPackagesExecArgv } from '../../../src/engine/gpuVariantHook';

const VERSION = '3.22.1';
const NAME = '@node-llama-cpp/linux-x64-cuda';
const variant: GpuVariant = { gpu: 'cuda', gpuName: 'CUDA (NVIDIA)', packageName: NAME, version: VERSION };

/** A ustar archive of `files` (path → content), gzip-compressed, as npm publishes packages. */
function tarGz(files: Record<string, Buffer | string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) {
      sum += b;
    }
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const addon = randomBytes(300_000);
function packageTarball(overrides: { name?: string; extra?: Record<string, string> } = {}): Buffer {
  return tarGz({
    'package/package.json': JSON.stringify({ name: overrides.name ?? NAME, version: VERSION, type: 'module', main: 'dist/index.js' }),
    'package/dist/index.js': `export function getBinsDir() { return { binsDir: new URL('../bins', import.meta.url).pathname, packageVersion: '${VERSION}' }; }\n`,
    'package/bins/linux-x64-cuda/_nlcBuildMetadata.json': '{}',
    'package/bins/linux-x64-cuda/llama-addon.node': addon,
    ...overrides.extra,
  });
}
const integrityOf = (data: Buffer): string => `sha512-${createHash('sha512').update(data).digest('base64')}`;

interface RegistryBehaviour {
  tarball: Buffer;
  /** The integrity the registry publishes (default: the tarball's own). */
  integrity?: string;
  packumentStatus?: number;
  tarballStatus?: number;
  /** Close the connection after this many tarball bytes. */
  cutAfter?: number;
}

suite('engine GPU builds fetched on first use (fake npm registry)', function () {
  this.timeout(30_000);
  let server: Server;
  let base: string;
  let storage: string;
  let behaviour: RegistryBehaviour = { tarball: packageTarball() };
  const requests: { url: string; range: string | undefined }[] = [];

  suiteSetup(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push({ url: req.url ?? '', range: req.headers.range });
      if (req.url === `/${NAME.replace('/', '%2f')}`) {
        if (behaviour.packumentStatus !== undefined) {
          res.writeHead(behaviour.packumentStatus).end('{}');
          return;
        }
        const dist = { integrity: behaviour.integrity ?? integrityOf(behaviour.tarball), tarball: `${base}/tarballs/linux-x64-cuda-${VERSION}.tgz`, unpackedSize: 400_000 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: NAME, versions: { '3.21.1': { dist: { ...dist } }, [VERSION]: { dist } } }));
        return;
      }
      if (req.url === `/tarballs/linux-x64-cuda-${VERSION}.tgz`) {
        if (behaviour.tarballStatus !== undefined) {
          res.writeHead(behaviour.tarballStatus).end();
          return;
        }
        const body = behaviour.tarball;
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = m === null ? 0 : Number(m[1]);
        const slice = body.subarray(start);
        res.writeHead(start > 0 ? 206 : 200, { 'content-length': String(slice.length), ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
        if (behaviour.cutAfter !== undefined && behaviour.cutAfter < slice.length) {
          res.write(slice.subarray(0, behaviour.cutAfter), () => res.destroy());
          return;
        }
        res.end(slice);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  suiteTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  setup(() => {
    storage = mkdtempSync(join(tmpdir(), 'tiered-gpu-'));
    behaviour = { tarball: packageTarball() };
    requests.length = 0;
  });
  teardown(() => rmSync(storage, { recursive: true, force: true }));

  const install = (overrides: Partial<Parameters<typeof installGpuVariant>[0]> = {}): Promise<string> => installGpuVariant({ registry: base, variant, storageDir: storage, freeBytes: async () => 10 * 2 ** 30, ...overrides });
  const installedDir = (): string => join(gpuPackagesDir(storage, VERSION), '@node-llama-cpp', 'linux-x64-cuda');

  test('which build to offer: the best usable GPU type the engine does not run on, once', () => {
    const base = { platform: 'linux', arch: 'x64', version: VERSION, isInstalled: () => false };
    assert.deepEqual(gpuVariantToOffer({ ...base, supported: ['cuda', 'vulkan', false], inUse: 'cpu' }), { gpu: 'cuda', gpuName: 'CUDA (NVIDIA)', packageName: NAME, version: VERSION });
    assert.equal(gpuVariantToOffer({ ...base, supported: ['vulkan', false], inUse: 'cpu' })?.packageName, '@node-llama-cpp/linux-x64-vulkan');
    assert.equal(gpuVariantToOffer({ ...base, supported: ['cuda', false], inUse: 'cuda' }), undefined, 'already on it');
    assert.equal(gpuVariantToOffer({ ...base, supported: [false], inUse: 'cpu' }), undefined, 'no GPU here');
    assert.equal(gpuVariantToOffer({ ...base, supported: ['cuda', false], inUse: 'cpu', isInstalled: (n) => n === NAME }), undefined, 'installed but not loading: not offered again');
    assert.equal(gpuVariantToOffer({ ...base, platform: 'win32', supported: ['cuda', false], inUse: 'cpu' })?.packageName, '@node-llama-cpp/win-x64-cuda');
    assert.equal(gpuVariantToOffer({ ...base, platform: 'darwin', arch: 'arm64', supported: ['metal', false], inUse: 'metal' }), undefined, 'Metal is in the macOS build');
    assert.equal(gpuVariantToOffer({ ...base, arch: 'arm64', supported: ['vulkan', false], inUse: 'cpu' }), undefined, 'no Vulkan build for linux-arm64');
    assert.equal(gpuVariantPackage('linux', 'x64', 'vulkan'), '@node-llama-cpp/linux-x64-vulkan');
  });

  test('integrity: only sha512 is accepted, as hex', () => {
    const data = Buffer.from('x');
    assert.equal(sha512HexOfIntegrity(integrityOf(data)), createHash('sha512').update(data).digest('hex'));
    assert.equal(sha512HexOfIntegrity(`sha1-${createHash('sha1').update(data).digest('base64')}`), undefined);
    assert.equal(sha512HexOfIntegrity(undefined), undefined);
  });

  test('good tarball: downloaded, sha512 checked, unpacked where the engine looks; the engine process resolves it', async () => {
    const progress: string[] = [];
    const dir = await install({ onProgress: (p) => progress.push(p.state) });
    assert.equal(dir, gpuPackagesDir(storage, VERSION));
    assert.equal(isGpuVariantInstalled(dir, NAME, VERSION), true);
    assert.deepEqual(readFileSync(join(installedDir(), 'bins', 'linux-x64-cuda', 'llama-addon.node')), addon);
    assert.ok(progress.includes('verifying') && progress.at(-1) === 'extracting', progress.join(','));
    assert.deepEqual(readdirSync(join(storage, 'engine-gpu', 'downloads')), [], 'the tarball and the staging folder are gone');
    assert.equal(isGpuVariantInstalled(dir, NAME, '3.21.1'), false, 'another version is not this one');

    // What node-llama-cpp does in the engine process: import('@node-llama-cpp/linux-x64-cuda') and call getBinsDir().
    const app = mkdtempSync(join(tmpdir(), 'tiered-gpu-app-'));
    try {
      const script = join(app, 'probe.mjs');
      writeFileSync(script, `const m = await import('${NAME}'); process.stdout.write(JSON.stringify(m.getBinsDir()));`);
      const out = JSON.parse(execFileSync(process.execPath, [...gpuPackagesExecArgv(dir), script], { encoding: 'utf8' })) as { binsDir: string; packageVersion: string };
      assert.equal(out.packageVersion, VERSION);
      assert.ok(out.binsDir.startsWith(installedDir()), out.binsDir);
      // Without the hook the import fails: the downloaded build is found only through it.
      assert.throws(() => execFileSync(process.execPath, [script], { stdio: 'pipe' }));
      // A build packaged with the extension wins over the downloaded one.
      mkdirSync(join(app, 'node_modules', '@node-llama-cpp', 'linux-x64-cuda'), { recursive: true });
      writeFileSync(join(app, 'node_modules', '@node-llama-cpp', 'linux-x64-cuda', 'package.json'), JSON.stringify({ name: NAME, version: VERSION, type: 'module', main: 'index.js' }));
      writeFileSync(join(app, 'node_modules', '@node-llama-cpp', 'linux-x64-cuda', 'index.js'), `export function getBinsDir() { return { binsDir: 'packaged', packageVersion: '${VERSION}' }; }`);
      assert.equal(JSON.parse(execFileSync(process.execPath, [...gpuPackagesExecArgv(dir), script], { encoding: 'utf8' })).binsDir, 'packaged');
      assert.deepEqual(gpuPackagesExecArgv(undefined), []);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  test('wrong hash: refused and removed, nothing installed', async () => {
    behaviour.integrity = integrityOf(Buffer.from('something else'));
    await assert.rejects(install(), (e: unknown) => e instanceof DownloadError && e.reason === 'hashMismatch' && /CUDA \(NVIDIA\) build of the engine/.test(e.message) && !e.partialKept);
    assert.equal(existsSync(installedDir()), false);
    assert.deepEqual(readdirSync(join(storage, 'engine-gpu', 'downloads')), []);
  });

  test('404: the tarball, the package and an unpublished version each say so; nothing installed', async () => {
    behaviour.tarballStatus = 404;
    await assert.rejects(install(), (e: unknown) => e instanceof DownloadError && e.reason === 'notFound' && /tiered\.engine\.packageRegistryUrl/.test(e.message));
    behaviour = { tarball: packageTarball(), packumentStatus: 404 };
    await assert.rejects(install(), /answered 404 .*tiered\.engine\.packageRegistryUrl/);
    behaviour = { tarball: packageTarball() };
    await assert.rejects(install({ variant: { ...variant, version: '9.9.9' } }), /9\.9\.9 is not published/);
    assert.equal(existsSync(installedDir()), false);
    const unreachable = await publishedTarball('http://127.0.0.1:1', NAME, VERSION);
    assert.equal(unreachable.ok, false);
  });

  test('interrupted: the part received is kept, and the next attempt resumes it (Range) and installs', async () => {
    behaviour.cutAfter = 100_000;
    await assert.rejects(install(), (e: unknown) => e instanceof DownloadError && e.reason === 'offline' && e.partialKept);
    assert.equal(existsSync(installedDir()), false);
    behaviour.cutAfter = undefined;
    requests.length = 0;
    await install();
    assert.equal(isGpuVariantInstalled(gpuPackagesDir(storage, VERSION), NAME, VERSION), true);
    const ranged = requests.find((r) => r.url.endsWith('.tgz'));
    assert.match(ranged?.range ?? '', /^bytes=\d+-$/, 'resumed with a Range request');
    assert.ok(Number(/\d+/.exec(ranged?.range ?? '')?.[0]) > 0);
  });

  test('cancelled: nothing installed, the part kept for the next attempt', async () => {
    const controller = new AbortController();
    behaviour.cutAfter = undefined;
    let aborted = false;
    await assert.rejects(
      install({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.state === 'downloading' && p.receivedBytes > 0 && !aborted) {
            aborted = true;
            controller.abort();
          }
        },
      }),
      (e: unknown) => e instanceof DownloadError && e.reason === 'cancelled' && e.partialKept,
    );
    assert.equal(existsSync(installedDir()), false);
  });

  test('a checked tarball that is not the package asked for, or has an unsafe path, is not used', async () => {
    behaviour.tarball = packageTarball({ name: '@node-llama-cpp/linux-x64-vulkan' });
    await assert.rejects(install(), /is not @node-llama-cpp\/linux-x64-cuda@3\.22\.1; it was not used/);
    behaviour.tarball = packageTarball({ extra: { 'package/../../evil.txt': 'x' } });
    await assert.rejects(install(), /unsafe path/);
    assert.equal(existsSync(join(storage, 'engine-gpu', 'evil.txt')), false);
    assert.equal(existsSync(join(storage, 'evil.txt')), false);
    assert.equal(existsSync(installedDir()), false);
  });
});
