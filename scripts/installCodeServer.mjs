// Installs code-server (the real VS Code workbench + a Node extension host, from the npm registry) into the
// git-ignored folder .vscode-test/code-server, so the VS Code test tier and `npm start` can run a real VS Code on a
// machine without a desktop VS Code or internet beyond the npm registry. Idempotent: reuses a finished install.
// Recipe and the reasons for each environment variable: ../shared/reference/vscode-e2e.md §2 (kept in the README).
//
// Usage: node scripts/installCodeServer.mjs [--force]   (prints the path of the code-server entry script last)
// Library: import { ensureCodeServer } from './installCodeServer.mjs'; const bin = await ensureCodeServer();
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const installDir = path.join(root, '.vscode-test', 'code-server');
const marker = path.join(installDir, '.installed');

/** Path of code-server's Node entry script (run it with `node <path> ...`). */
export const codeServerEntry = path.join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function log(msg) {
  console.log(`[code-server] ${msg}`);
}

function isInstalled() {
  try {
    return fs.readFileSync(marker, 'utf8').trim() === CODE_SERVER_VERSION && fs.existsSync(codeServerEntry);
  } catch {
    return false;
  }
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out.slice(-6000)}`))));
  });
}

// @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the archive: seed the cache
// with the system's rg (Debian package `ripgrep`).
async function seedRipgrepCache() {
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = path.join(cacheDir, RIPGREP_ARCHIVE);
  if (fs.existsSync(archive)) {
    return;
  }
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => fs.existsSync(p));
  if (!rg) {
    throw new Error('ripgrep is not installed (apt-get install ripgrep); code-server needs it and cannot download it here.');
  }
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-rg-'));
  fs.copyFileSync(rg, path.join(staging, 'rg'));
  fs.chmodSync(path.join(staging, 'rg'), 0o755);
  fs.mkdirSync(cacheDir, { recursive: true });
  await run('tar', ['czf', archive, '-C', staging, 'rg']);
  fs.rmSync(staging, { recursive: true, force: true });
  log(`seeded ripgrep cache from ${rg}`);
}

/** Installs code-server if needed and returns the path of its entry script. */
/**
 * The command-line flags that serve a local, private VS Code: no auth (bound to the given host only), no telemetry,
 * no update check, no trust prompt, no getting-started page. Shared by `npm start` and the test harness.
 * @param {{ config: string, userDataDir: string, extensionsDir: string, host: string, port: number }} where
 * @returns {string[]}
 */
export function codeServerServeArgs({ config, userDataDir, extensionsDir, host, port }) {
  return [
    '--config',
    config,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
}

export async function ensureCodeServer({ force = false } = {}) {
  if (!force && isInstalled()) {
    return codeServerEntry;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    // code-server 4.100.x's postinstall refuses other Node majors.
    log(`warning: code-server ${CODE_SERVER_VERSION} expects Node 20, this is Node ${process.versions.node}`);
  }
  const started = Date.now();
  log(`installing code-server@${CODE_SERVER_VERSION} into ${path.relative(root, installDir)} (first run only, ~1.5-3 min: compiles native modules)`);
  fs.rmSync(path.join(installDir, 'node_modules'), { recursive: true, force: true });
  fs.rmSync(marker, { force: true });
  fs.mkdirSync(installDir, { recursive: true });
  fs.writeFileSync(
    path.join(installDir, 'package.json'),
    JSON.stringify(
      {
        name: 'tiered-code-server',
        private: true,
        description: 'code-server for the Tiered VS Code test tier and npm start (installed by scripts/installCodeServer.mjs)',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        // npm 11 skips dependency install scripts not approved here; these two must run (code-server's postinstall
        // installs VS Code's own node_modules; argon2 compiles its binding).
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    ) + '\n',
  );
  await seedRipgrepCache();
  const env = {
    ...process.env,
    // code-server's postinstall refuses to run as root without it.
    npm_config_unsafe_perm: 'true',
    // node-pty's install runs `npx node-gyp`; with yes=false npx cancels.
    npm_config_yes: 'true',
    // Use the installed Node headers instead of downloading them.
    npm_config_nodedir: process.env.npm_config_nodedir ?? (fs.existsSync('/usr/include/node/node.h') ? '/usr' : ''),
    // Prebuilt-binary downloads (kerberos, argon2) cannot succeed offline: compile straight away.
    npm_config_build_from_source: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  if (!env.npm_config_nodedir) {
    delete env.npm_config_nodedir;
  }
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: installDir, env });
  if (!fs.existsSync(codeServerEntry)) {
    throw new Error(`code-server installed but ${codeServerEntry} is missing`);
  }
  const vscodeModules = path.join(installDir, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
  if (!fs.existsSync(path.join(vscodeModules, 'node-pty')) || !fs.existsSync(path.join(vscodeModules, '@vscode', 'ripgrep', 'bin', 'rg'))) {
    throw new Error("code-server's postinstall did not complete (lib/vscode/node_modules incomplete); were install scripts blocked?");
  }
  fs.writeFileSync(marker, CODE_SERVER_VERSION + '\n');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return codeServerEntry;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureCodeServer({ force: process.argv.includes('--force') }).then(
    (entry) => console.log(entry),
    (err) => {
      console.error(`[code-server] install failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
