// What goes into each platform .vsix, as pure functions (no file system, no network): the packaging script
// (scripts/package.mjs) uses them, and test/unit/packaging/packageTargets.test.ts tests them without building.
import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

/**
 * vsce target → node-llama-cpp's CPU (or Metal) binary package for it. The GPU builds (CUDA, Vulkan: 70–360 MB)
 * are never packaged: the extension fetches them on first use (src/engine/gpuVariant.ts).
 * @type {Readonly<Record<string, string>>}
 */
export const binaryPackages = Object.freeze({
  'linux-x64': '@node-llama-cpp/linux-x64',
  'linux-arm64': '@node-llama-cpp/linux-arm64',
  'linux-armhf': '@node-llama-cpp/linux-armv7l',
  'darwin-arm64': '@node-llama-cpp/mac-arm64-metal',
  'darwin-x64': '@node-llama-cpp/mac-x64',
  'win32-x64': '@node-llama-cpp/win-x64',
  'win32-arm64': '@node-llama-cpp/win-arm64',
});

/** The targets `--all-targets` builds (the ones users ask for; armhf and win32-arm64 build on request). */
export const defaultTargets = Object.freeze(['linux-x64', 'linux-arm64', 'win32-x64', 'darwin-arm64', 'darwin-x64']);

/** Size limits per .vsix (bytes): the issue's 60 MB for a platform package, 10 MB for the universal one. */
export const sizeLimits = Object.freeze({ universal: 10 * 2 ** 20, platform: 60 * 2 ** 20 });

/**
 * @param {string} target a vsce target (`linux-x64`, `win32-x64`, …)
 * @returns {string} the binary package the target's .vsix carries
 */
export function binaryPackageFor(target) {
  const name = binaryPackages[target];
  if (name === undefined) {
    throw new Error(`No engine binaries known for target ${target}; known: ${Object.keys(binaryPackages).join(', ')}`);
  }
  return name;
}

/**
 * Optional dependencies in node-llama-cpp's closure that are native code for one platform and that the engine
 * never needs: `@reflink/reflink` (copy-on-write file clones) is tried, in a try/catch, only by ipull, the model
 * downloader of node-llama-cpp that Tiered does not use (it has its own, src/engine/download.ts).
 */
export const droppedOptionalDependencies = Object.freeze(['@reflink/reflink']);

/**
 * Whether a dependency of node-llama-cpp is copied into a target's runtime: every ordinary package, and of its
 * per-platform binary packages (`@node-llama-cpp/*`) only the target's own; never a dropped optional one.
 * @param {string} dependency package name
 * @param {string} target vsce target
 */
export function keepRuntimeDependency(dependency, target) {
  if (droppedOptionalDependencies.includes(dependency)) {
    return false;
  }
  return !dependency.startsWith('@node-llama-cpp/') || dependency === binaryPackageFor(target);
}

/**
 * Files of the runtime never needed: llama.cpp's source bundle (only for building from source), maps, types, docs.
 * @param {string} rel path under node_modules/, with `/` separators
 */
export function skipRuntimeFile(rel) {
  return /(^|\/)node-llama-cpp\/llama\/gitRelease\.bundle$/.test(rel) || /\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(rel) || /(^|\/)(test|tests|docs|\.github)\//.test(rel);
}

/**
 * What is wrong with a platform .vsix's file list (zip entry names, `extension/…` or `dist/…`): another platform's
 * binaries, or its own missing (the package, its native addon), or native code outside the binary package.
 * @param {readonly string[]} entries
 * @param {string} target
 * @returns {string[]} problems; empty when the listing is right
 */
export function platformListingProblems(entries, target) {
  const own = binaryPackageFor(target);
  const files = entries.map((e) => e.replace(/^extension\//, ''));
  const problems = [];
  const runtime = 'dist/node_modules/';
  const ownDir = `${runtime}${own}/`;
  if (!files.includes(`${runtime}node-llama-cpp/package.json`)) {
    problems.push('node-llama-cpp is missing');
  }
  if (!files.includes(`${ownDir}package.json`)) {
    problems.push(`its own binary package ${own} is missing`);
  }
  if (!files.some((f) => f.startsWith(`${ownDir}bins/`) && f.endsWith('/llama-addon.node'))) {
    problems.push(`${own} has no llama-addon.node`);
  }
  const others = [...new Set(files.filter((f) => f.startsWith(`${runtime}@node-llama-cpp/`) && !f.startsWith(ownDir)).map((f) => f.split('/').slice(2, 4).join('/')))];
  if (others.length > 0) {
    problems.push(`it carries another platform's binaries: ${others.join(', ')}`);
  }
  const strayNative = files.filter((f) => /\.(node|so|dylib|dll)$/.test(f) && !f.startsWith(ownDir));
  if (strayNative.length > 0) {
    problems.push(`native code outside ${own}: ${strayNative.slice(0, 5).join(', ')}`);
  }
  return problems;
}

/**
 * Whether `data` matches an npm `dist.integrity` string (Subresource Integrity: `sha512-<base64>`; only sha512 is
 * accepted: it is what the registry publishes for every package, and sha1 `shasum`s are not a check).
 * @param {Uint8Array} data
 * @param {string | undefined} integrity
 */
export function matchesIntegrity(data, integrity) {
  const m = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec((integrity ?? '').trim());
  if (m === null) {
    return false;
  }
  return createHash('sha512').update(data).digest('base64') === m[1];
}

/**
 * The registry document (packument) URL of a package: scoped names keep their `@` and encode the `/`.
 * @param {string} registry base URL, e.g. https://registry.npmjs.org
 * @param {string} name
 */
export function packumentUrl(registry, name) {
  return `${registry.replace(/\/+$/, '')}/${name.replace('/', '%2f')}`;
}

/**
 * The entry names of a zip file (a .vsix), read from its central directory; stored or deflated `[Content_Types]`
 * entries are listed, not read.
 * @param {Buffer} zip
 * @returns {string[]}
 */
export function zipEntryNames(zip) {
  const { count, at: first } = centralDirectory(zip);
  let at = first;
  const names = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) {
      throw new Error(`bad central directory entry at ${at}`);
    }
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/**
 * One entry's content from a zip (stored or deflated), e.g. `extension/package.json` of a .vsix.
 * @param {Buffer} zip
 * @param {string} entryName
 * @returns {Buffer | undefined}
 */
export function zipEntry(zip, entryName) {
  const { count, at: first } = centralDirectory(zip);
  let at = first;
  for (let n = 0; n < count; n++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === entryName) {
      const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      return method === 0 ? Buffer.from(data) : inflateRawSync(data);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  return undefined;
}

/** @param {Buffer} zip */
function centralDirectory(zip) {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      return { count: zip.readUInt16LE(i + 10), at: zip.readUInt32LE(i + 16) };
    }
  }
  throw new Error('not a zip file (no end of central directory)');
}
