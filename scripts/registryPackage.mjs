// Fetches one package tarball from the npm registry for the packaging script, checked against the registry's
// `dist.integrity` (sha512) before anything is extracted; tarballs are cached in out/engine-packages/ and checked
// again on every use.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { matchesIntegrity, packumentUrl } from './packageTargets.mjs';

/** The registry: $npm_config_registry (what npm itself uses), else npm's public one. */
export function registryUrl() {
  return (process.env.npm_config_registry ?? 'https://registry.npmjs.org').replace(/\/+$/, '');
}

/**
 * The published versions of a package and the `dist` of one of them.
 * @param {string} name
 * @param {string} version
 * @returns {Promise<{ dist: { integrity?: string, tarball?: string } | undefined, versions: string[] }>}
 */
export async function publishedVersion(name, version, registry = registryUrl()) {
  const url = packumentUrl(registry, name);
  const response = await fetch(url, { headers: { accept: 'application/vnd.npm.install-v1+json, application/json' } });
  if (response.status === 404) {
    return { dist: undefined, versions: [] };
  }
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  }
  const doc = await response.json();
  const versions = Object.keys(doc.versions ?? {});
  return { dist: doc.versions?.[version]?.dist, versions };
}

/**
 * Downloads `name@version` (or reuses the cached tarball), checks it against the registry's sha512 integrity, and
 * extracts it into `intoDir` (the tarball's `package/` folder becomes `intoDir`).
 * @param {string} name
 * @param {string} version
 * @param {string} intoDir
 * @param {string} cacheDir
 * @returns {Promise<{ bytes: number, integrity: string, cached: boolean }>}
 */
export async function fetchVerifiedPackage(name, version, intoDir, cacheDir, registry = registryUrl()) {
  const { dist, versions } = await publishedVersion(name, version, registry);
  if (dist === undefined) {
    const newest = versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(compareVersions).at(-1);
    const error = new Error(`${name}@${version} is not published on ${registry}${newest !== undefined ? ` (its newest version there is ${newest})` : ''}.`);
    error.newest = newest;
    throw error;
  }
  if (typeof dist.integrity !== 'string' || !dist.integrity.startsWith('sha512-') || typeof dist.tarball !== 'string') {
    throw new Error(`${name}@${version} on ${registry} has no sha512 integrity or no tarball URL; not used.`);
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const cached = path.join(cacheDir, `${name.replace('/', '+')}-${version}.tgz`);
  let data = fs.existsSync(cached) ? fs.readFileSync(cached) : undefined;
  const fromCache = data !== undefined && matchesIntegrity(data, dist.integrity);
  if (!fromCache) {
    const response = await fetch(dist.tarball);
    if (!response.ok) {
      throw new Error(`${dist.tarball} answered ${response.status} ${response.statusText}`);
    }
    data = Buffer.from(await response.arrayBuffer());
    if (!matchesIntegrity(data, dist.integrity)) {
      throw new Error(`${name}@${version}: the tarball from ${dist.tarball} does not match the registry's integrity ${dist.integrity}; not used.`);
    }
    fs.writeFileSync(cached, data);
  }
  fs.rmSync(intoDir, { recursive: true, force: true });
  fs.mkdirSync(intoDir, { recursive: true });
  // Every npm tarball has its files under package/; tar is on Linux, macOS and Windows 10+.
  execFileSync('tar', ['-xzf', cached, '-C', intoDir, '--strip-components=1'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = JSON.parse(fs.readFileSync(path.join(intoDir, 'package.json'), 'utf8'));
  if (manifest.name !== name || manifest.version !== version) {
    throw new Error(`the tarball of ${name}@${version} holds ${manifest.name}@${manifest.version}; not used.`);
  }
  return { bytes: data.length, integrity: dist.integrity, cached: fromCache };
}

/** @param {string} a @param {string} b */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}
