/**
 * The engine's GPU builds, fetched on first use. A platform .vsix carries node-llama-cpp's CPU (or Metal) binaries
 * only; the CUDA and Vulkan builds (70–360 MB) are the npm packages `@node-llama-cpp/<platform>-<gpu>`, at the same
 * version as node-llama-cpp (it ignores any other). When node-llama-cpp's own detection finds a GPU type this
 * machine can use and the engine runs without it, the extension offers to download that package from the npm
 * registry (setting `tiered.engine.packageRegistryUrl`), checks the tarball against the registry's sha512 integrity,
 * and extracts it into the extension's global storage; the engine process then resolves it from there
 * (gpuVariantHook.ts). Pure: no `vscode`; `fetch` and the free-space probe are injectable for tests.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { downloadModel } from './download';
import type { DownloadProgress } from './download';
import { extractTarGz } from './tarball';

/** GPU types node-llama-cpp has separate builds for. */
export type GpuType = 'cuda' | 'vulkan';

/** Packages node-llama-cpp imports for each GPU build, per platform and architecture (its compileLLamaCpp.js). */
const variantPackages: Readonly<Record<string, Readonly<Record<GpuType, string>>>> = {
  'linux-x64': { cuda: '@node-llama-cpp/linux-x64-cuda', vulkan: '@node-llama-cpp/linux-x64-vulkan' },
  'win32-x64': { cuda: '@node-llama-cpp/win-x64-cuda', vulkan: '@node-llama-cpp/win-x64-vulkan' },
};

const gpuNames: Readonly<Record<GpuType, string>> = { cuda: 'CUDA (NVIDIA)', vulkan: 'Vulkan' };

/** What to offer: a GPU type this machine can use and the package holding its build. */
export interface GpuVariant {
  readonly gpu: GpuType;
  /** `CUDA (NVIDIA)`, `Vulkan`. */
  readonly gpuName: string;
  readonly packageName: string;
  /** node-llama-cpp's version: the package is fetched at exactly this version. */
  readonly version: string;
}

/** The package of a GPU build for a platform, or undefined when node-llama-cpp has none (macOS uses Metal, built in). */
export function gpuVariantPackage(platform: string, arch: string, gpu: GpuType): string | undefined {
  return variantPackages[`${platform}-${arch}`]?.[gpu];
}

function isGpuType(value: unknown): value is GpuType {
  return value === 'cuda' || value === 'vulkan';
}

/**
 * The GPU build worth offering, or undefined: the best GPU type node-llama-cpp detected as usable here (its
 * `getLlamaGpuTypes('supported')`, best first), when the engine does not already run on it and its package is not
 * installed (an installed build the engine still does not use failed to load: offering it again would loop).
 */
export function gpuVariantToOffer(input: {
  readonly platform: string;
  readonly arch: string;
  /** node-llama-cpp's usable GPU types, best first (`false` = CPU). */
  readonly supported: readonly unknown[];
  /** What the engine runs on now (`cpu`, `cuda`, `vulkan`, `metal`). */
  readonly inUse: string;
  readonly version: string;
  readonly isInstalled: (packageName: string) => boolean;
}): GpuVariant | undefined {
  const best = input.supported.find(isGpuType);
  if (best === undefined || best === input.inUse) {
    return undefined;
  }
  const packageName = gpuVariantPackage(input.platform, input.arch, best);
  if (packageName === undefined || input.isInstalled(packageName)) {
    return undefined;
  }
  return { gpu: best, gpuName: gpuNames[best], packageName, version: input.version };
}

/** Where the GPU builds of one node-llama-cpp version live: a `node_modules` folder the engine resolves from. */
export function gpuPackagesDir(storageDir: string, version: string): string {
  return join(storageDir, 'engine-gpu', version, 'node_modules');
}

/** Whether a GPU build is extracted and complete (its package.json at the version, and its native addon). */
export function isGpuVariantInstalled(packagesDir: string, packageName: string, version: string): boolean {
  const dir = join(packagesDir, ...packageName.split('/'));
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const parsed = z.object({ version: z.string() }).loose().safeParse(manifest);
    return parsed.success && parsed.data.version === version && hasAddon(join(dir, 'bins'));
  } catch {
    return false;
  }
}

function hasAddon(binsDir: string): boolean {
  return existsSync(binsDir) && readdirSync(binsDir).some((build) => existsSync(join(binsDir, build, 'llama-addon.node')));
}

/** The registry document (packument) URL of a package: scoped names keep their `@` and encode the `/`. */
export function packumentUrl(registry: string, name: string): string {
  return `${registry.replace(/\/+$/, '')}/${name.replace('/', '%2f')}`;
}

const packumentSchema = z.object({ versions: z.record(z.string(), z.object({ dist: z.object({ integrity: z.string().optional(), tarball: z.string().optional(), unpackedSize: z.number().optional() }).loose() }).loose()) }).loose();

/** A published tarball and its checksum. */
export interface PublishedTarball {
  readonly url: string;
  /** sha512 of the tarball, hex (from the registry's `dist.integrity`). */
  readonly sha512: string;
  readonly unpackedBytes: number | undefined;
}

/** `sha512-<base64>` → hex; undefined for any other algorithm (sha1 `shasum` is not a check). */
export function sha512HexOfIntegrity(integrity: string | undefined): string | undefined {
  const m = /^sha512-([A-Za-z0-9+/]{86}==)$/.exec((integrity ?? '').trim());
  return m?.[1] === undefined ? undefined : Buffer.from(m[1], 'base64').toString('hex');
}

/**
 * The tarball of `name@version` and its sha512 from the registry, or a reason why there is none. Never throws: the
 * caller shows the reason instead of downloading.
 */
export async function publishedTarball(registry: string, name: string, version: string, fetchImpl: typeof fetch = fetch, signal?: AbortSignal): Promise<{ ok: true; tarball: PublishedTarball } | { ok: false; reason: string }> {
  const url = packumentUrl(registry, name);
  let body: unknown;
  try {
    const response = await fetchImpl(url, { ...(signal !== undefined ? { signal } : {}), headers: { accept: 'application/vnd.npm.install-v1+json, application/json' } });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `the registry answered ${response.status} for ${name} (${url}); check the setting tiered.engine.packageRegistryUrl` };
    }
    body = await response.json();
  } catch (e) {
    return { ok: false, reason: `the registry at ${url} could not be reached (${e instanceof Error ? e.message : String(e)}); check the network or the setting tiered.engine.packageRegistryUrl` };
  }
  const parsed = packumentSchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, reason: `the registry's answer for ${name} is not a package document` };
  }
  const dist = parsed.data.versions[version]?.dist;
  if (dist === undefined) {
    return { ok: false, reason: `${name}@${version} is not published on ${registry} (node-llama-cpp ignores a build of another version)` };
  }
  const sha512 = sha512HexOfIntegrity(dist.integrity);
  if (sha512 === undefined || dist.tarball === undefined) {
    return { ok: false, reason: `${name}@${version} has no sha512 integrity or no tarball on ${registry}, so it could not be checked; it was not downloaded` };
  }
  return { ok: true, tarball: { url: dist.tarball, sha512, unpackedBytes: dist.unpackedSize } };
}

export interface InstallGpuVariantOptions {
  readonly registry: string;
  readonly variant: GpuVariant;
  /** The extension's global storage folder. */
  readonly storageDir: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: DownloadProgress | { readonly state: 'extracting' }) => void;
  readonly fetch?: typeof fetch;
  readonly freeBytes?: (dir: string) => Promise<number>;
}

/**
 * Downloads the variant's tarball (resumable, free-space checked, cancellable: the model downloader), checks its
 * sha512, extracts it into a temporary folder, checks it is the package asked for with its native addon, and only
 * then moves it where the engine looks. Returns the `node_modules` folder to hand to the engine. Throws a
 * DownloadError (download failures) or an Error saying what is wrong with the package.
 */
export async function installGpuVariant(options: InstallGpuVariantOptions): Promise<string> {
  const { variant, storageDir, signal } = options;
  const fetchImpl = options.fetch ?? fetch;
  const published = await publishedTarball(options.registry, variant.packageName, variant.version, fetchImpl, signal);
  if (!published.ok) {
    throw new Error(`The ${variant.gpuName} build of the engine could not be downloaded: ${published.reason}.`);
  }
  const packagesDir = gpuPackagesDir(storageDir, variant.version);
  const flatName = variant.packageName.replace('/', '+');
  const downloads = join(storageDir, 'engine-gpu', 'downloads');
  const tgz = join(downloads, `${flatName}-${variant.version}.tgz`);
  await downloadModel({
    url: published.tarball.url,
    dest: tgz,
    sha256: undefined,
    sha512: published.tarball.sha512,
    what: `the ${variant.gpuName} build of the engine`,
    sourceSetting: 'tiered.engine.packageRegistryUrl',
    fetch: fetchImpl,
    // Room to unpack it beside the tarball.
    reserveBytes: published.tarball.unpackedBytes ?? 0,
    ...(signal !== undefined ? { signal } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.freeBytes !== undefined ? { freeBytes: options.freeBytes } : {}),
  });
  options.onProgress?.({ state: 'extracting' });
  const staging = join(downloads, `${flatName}-${variant.version}.extracting`);
  const target = join(packagesDir, ...variant.packageName.split('/'));
  await rm(staging, { recursive: true, force: true });
  try {
    await extractTarGz(tgz, staging, signal !== undefined ? { signal } : {});
    const manifest = z.object({ name: z.string(), version: z.string() }).loose().safeParse(JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8')));
    if (!manifest.success || manifest.data.name !== variant.packageName || manifest.data.version !== variant.version) {
      throw new Error(`The downloaded package is not ${variant.packageName}@${variant.version}; it was not used.`);
    }
    if (!hasAddon(join(staging, 'bins'))) {
      throw new Error(`The downloaded ${variant.packageName}@${variant.version} holds no llama.cpp binary; it was not used.`);
    }
    await rm(target, { recursive: true, force: true });
    await mkdir(join(target, '..'), { recursive: true });
    await rename(staging, target);
  } catch (e) {
    // Nothing half-unpacked is left where the engine looks; the tarball goes too, so that trying again downloads it.
    await rm(staging, { recursive: true, force: true });
    await rm(tgz, { force: true });
    throw e instanceof Error && e.message.startsWith('The downloaded') ? e : new Error(`The ${variant.gpuName} build of the engine could not be unpacked: ${e instanceof Error ? e.message : String(e)}.`);
  }
  await rm(tgz, { force: true });
  return packagesDir;
}
