// What a platform .vsix carries: the selection rules as pure code, a real runtime staged from node_modules (the
// same code scripts/package.mjs runs), and a real .vsix built by vsce whose zip listing is read back.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '../../..');

interface PackageTargets {
  binaryPackages: Readonly<Record<string, string>>;
  defaultTargets: readonly string[];
  binaryPackageFor(target: string): string;
  keepRuntimeDependency(dependency: string, target: string): boolean;
  platformListingProblems(entries: readonly string[], target: string): string[];
  matchesIntegrity(data: Uint8Array, integrity: string | undefined): boolean;
  packumentUrl(registry: string, name: string): string;
  zipEntryNames(zip: Buffer): string[];
  zipEntry(zip: Buffer, name: string): Buffer | undefined;
}
interface PackageRuntime {
  stageRuntime(options: { root: string; target: string; intoDir: string }): Promise<{ binaryPackage: string; version: string; sources: string[] }>;
}

// The scripts are plain ESM run by node (no build step); tests load them the same way.
const load = async <T>(file: string): Promise<T> => {
  const mod: unknown = await import(join(root, 'scripts', file));
  return mod as T;
};

function filesUnder(dir: string, prefix: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${prefix}${relative(dir, join(e.parentPath, e.name)).split(sep).join('/')}`);
}

function touch(file: string, text = 'x'): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

suite('packaging: what each platform .vsix carries', function () {
  this.timeout(60_000);
  let t: PackageTargets;

  suiteSetup(async () => {
    t = await load<PackageTargets>('packageTargets.mjs');
  });

  test('every default target has its own binary package, and each keeps only its own of node-llama-cpp\'s binaries', () => {
    assert.deepEqual([...t.defaultTargets].sort(), ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64']);
    const all = Object.values(t.binaryPackages);
    for (const target of t.defaultTargets) {
      const own = t.binaryPackageFor(target);
      assert.deepEqual(
        all.filter((p) => t.keepRuntimeDependency(p, target)),
        [own],
        target,
      );
      // The GPU builds are fetched on first use, never packaged.
      for (const gpu of ['-cuda', '-cuda-ext', '-vulkan']) {
        assert.equal(t.keepRuntimeDependency(`${own}${gpu}`, target), false, `${own}${gpu}`);
      }
      assert.equal(t.keepRuntimeDependency('lifecycle-utils', target), true);
      assert.equal(t.keepRuntimeDependency('@reflink/reflink', target), false, 'a native package for one platform');
    }
    assert.equal(t.binaryPackageFor('darwin-arm64'), '@node-llama-cpp/mac-arm64-metal');
    assert.equal(t.binaryPackageFor('win32-x64'), '@node-llama-cpp/win-x64');
    assert.throws(() => t.binaryPackageFor('sunos-x64'), /No engine binaries known/);
  });

  test('a listing with its own binaries passes; another platform\'s, a missing addon or stray native code fails', () => {
    const good = [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/node_modules/node-llama-cpp/package.json',
      'extension/dist/node_modules/node-llama-cpp/dist/index.js',
      'extension/dist/node_modules/@node-llama-cpp/win-x64/package.json',
      'extension/dist/node_modules/@node-llama-cpp/win-x64/bins/win-x64/llama-addon.node',
      'extension/dist/node_modules/@node-llama-cpp/win-x64/bins/win-x64/ggml.dll',
    ];
    assert.deepEqual(t.platformListingProblems(good, 'win32-x64'), []);
    // The same listing is wrong for every other target: it carries win-x64 and lacks their own.
    for (const other of ['linux-x64', 'darwin-arm64']) {
      const problems = t.platformListingProblems(good, other);
      assert.ok(problems.some((p) => /another platform's binaries: @node-llama-cpp\/win-x64/.test(p)), problems.join('; '));
      assert.ok(problems.some((p) => /own binary package .* is missing/.test(p)), problems.join('; '));
    }
    const withLinux = [...good, 'extension/dist/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node'];
    assert.match(t.platformListingProblems(withLinux, 'win32-x64').join('; '), /another platform's binaries: @node-llama-cpp\/linux-x64/);
    const noAddon = good.filter((f) => !f.endsWith('llama-addon.node'));
    assert.match(t.platformListingProblems(noAddon, 'win32-x64').join('; '), /has no llama-addon\.node/);
    const stray = [...good, 'extension/dist/node_modules/@reflink/reflink-linux-x64-gnu/reflink.linux-x64-gnu.node'];
    assert.match(t.platformListingProblems(stray, 'win32-x64').join('; '), /native code outside/);
    assert.match(t.platformListingProblems(good.filter((f) => !f.includes('/node-llama-cpp/')), 'win32-x64').join('; '), /node-llama-cpp is missing/);
  });

  test('registry integrity: only a matching sha512 passes', () => {
    const data = Buffer.from('tarball bytes');
    const sri = `sha512-${createHash('sha512').update(data).digest('base64')}`;
    assert.equal(t.matchesIntegrity(data, sri), true);
    assert.equal(t.matchesIntegrity(Buffer.from('tarball bytez'), sri), false);
    assert.equal(t.matchesIntegrity(data, `sha1-${createHash('sha1').update(data).digest('base64')}`), false, 'sha1 is not a check');
    assert.equal(t.matchesIntegrity(data, undefined), false);
    assert.equal(t.packumentUrl('https://registry.npmjs.org/', '@node-llama-cpp/win-x64'), 'https://registry.npmjs.org/@node-llama-cpp%2fwin-x64');
  });

  test('this machine\'s runtime staged from node_modules holds node-llama-cpp and this platform\'s binaries only', async () => {
    const { stageRuntime } = await load<PackageRuntime>('packageRuntime.mjs');
    // This machine's own binaries are installed (no registry needed); on Linux x64 node_modules also holds the
    // arm64, armv7l, CUDA and Vulkan builds, none of which may be taken.
    const target = `${process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`;
    const into = mkdtempSync(join(tmpdir(), 'tiered-runtime-'));
    try {
      const staged = await stageRuntime({ root, target, intoDir: into });
      assert.equal(staged.binaryPackage, t.binaryPackageFor(target));
      const files = filesUnder(into, 'dist/node_modules/');
      assert.deepEqual(t.platformListingProblems(files, target), []);
      assert.deepEqual(readdirSync(join(into, '@node-llama-cpp')), [t.binaryPackageFor(target).split('/')[1]]);
      const version = (p: string): unknown => JSON.parse(readFileSync(join(into, p, 'package.json'), 'utf8')).version;
      assert.equal(version('@node-llama-cpp/linux-x64'), version('node-llama-cpp'), 'node-llama-cpp ignores binaries of another version');
      assert.ok(!files.some((f) => f.endsWith('gitRelease.bundle')), 'llama.cpp sources are left out');
    } finally {
      rmSync(into, { recursive: true, force: true });
    }
  });

  test('a real .vsix built by vsce --target is read back from its zip listing and checked', () => {
    const stage = mkdtempSync(join(tmpdir(), 'tiered-vsix-'));
    try {
      writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: 'tiny', publisher: 'tiered', version: '0.0.1', engines: { vscode: '^1.95.0' }, main: './dist/extension.js', activationEvents: ['onStartupFinished'] }));
      writeFileSync(join(stage, '.vscodeignore'), '**\n!dist/**\n!package.json\n');
      touch(join(stage, 'dist/extension.js'), 'exports.activate = () => undefined;');
      touch(join(stage, 'dist/node_modules/node-llama-cpp/package.json'), '{"name":"node-llama-cpp","version":"1.0.0"}');
      touch(join(stage, 'dist/node_modules/@node-llama-cpp/linux-arm64/package.json'), '{"name":"@node-llama-cpp/linux-arm64","version":"1.0.0"}');
      touch(join(stage, 'dist/node_modules/@node-llama-cpp/linux-arm64/bins/linux-arm64/llama-addon.node'));
      const out = join(stage, 'tiny.vsix');
      const vsce = (): void => {
        execFileSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--target', 'linux-arm64', '--out', out], { cwd: stage, stdio: 'ignore' });
      };
      vsce();
      const zip = readFileSync(out);
      const names = t.zipEntryNames(zip);
      assert.ok(names.includes('extension/dist/node_modules/@node-llama-cpp/linux-arm64/bins/linux-arm64/llama-addon.node'), names.join('\n'));
      assert.deepEqual(t.platformListingProblems(names, 'linux-arm64'), []);
      assert.equal(JSON.parse(t.zipEntry(zip, 'extension/dist/node_modules/node-llama-cpp/package.json')?.toString('utf8') ?? '{}').version, '1.0.0');
      // The same folder with another platform's build added: the check of the built file catches it.
      touch(join(stage, 'dist/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node'));
      vsce();
      assert.match(t.platformListingProblems(t.zipEntryNames(readFileSync(out)), 'linux-arm64').join('; '), /another platform's binaries: @node-llama-cpp\/linux-x64/);
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  });
});
