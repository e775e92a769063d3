/**
 * Finds (or builds) the cached `llama-server` binary and runs instances of it on loopback for the
 * real-engine tier and the prefix-reuse benchmark. Every started server is stopped at the end,
 * whatever happens: `stop()`, process exit, SIGINT/SIGTERM and uncaught exceptions all kill its
 * process group.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort } from '../support/net';

/** The node-llama-cpp version whose llama.cpp sources we build (keep in step with scripts/build-llama-server.mjs). */
export const NODE_LLAMA_CPP_VERSION = '3.22.1';

const repoRoot = resolve(__dirname, '..', '..');
const buildScript = join(repoRoot, 'scripts', 'build-llama-server.mjs');

/** `${XDG_CACHE_HOME:-~/.cache}/tiered`. */
export function tieredCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tiered');
}

/** The cached binary, or `TIERED_LLAMA_SERVER` when set; undefined when neither exists. */
export function findLlamaServer(): string | undefined {
  const fromEnv = process.env.TIERED_LLAMA_SERVER;
  if (fromEnv) {
    return existsSync(fromEnv) ? fromEnv : undefined;
  }
  const root = tieredCacheDir();
  if (!existsSync(root)) {
    return undefined;
  }
  const prefix = `llama-server-${NODE_LLAMA_CPP_VERSION}-`;
  for (const name of readdirSync(root).sort()) {
    const bin = join(root, name, 'llama-server');
    if (name.startsWith(prefix) && existsSync(bin) && statSync(bin).isFile()) {
      return bin;
    }
  }
  return undefined;
}

/** Tools the build needs, missing from PATH. */
export function missingBuildTools(): string[] {
  return ['git', 'cmake', 'make', 'g++', 'npm'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

/**
 * Returns the binary, building it first when `build` is true and it is not cached yet
 * (about 7 minutes on 2 cores; the build log goes to `logFile`). Undefined when there is none.
 */
export function ensureLlamaServer(options: { build: boolean; logFile: string }): string | undefined {
  const found = findLlamaServer();
  if (found || !options.build) {
    return found;
  }
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const r = spawnSync(process.execPath, [buildScript], { stdio: ['ignore', 'pipe', fd], encoding: 'utf8' });
    const printed = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status === 0 && printed !== '' && existsSync(printed)) {
      return printed;
    }
  } finally {
    closeSync(fd);
  }
  return undefined;
}

export interface LlamaServerOptions {
  readonly bin: string;
  readonly model: string;
  /** Model name the server reports (`--alias`). */
  readonly alias: string;
  /** Total context (`-c`); each of the `parallel` slots gets `ctx / parallel`. */
  readonly ctx: number;
  readonly parallel: number;
  /** `-t`; 1 keeps timings steady on 2 shared cores. */
  readonly threads?: number;
  readonly logFile: string;
  readonly extraArgs?: readonly string[];
  /** How long to wait for `/health` 200. */
  readonly startTimeoutMs?: number;
}

/** A running llama-server. */
export interface RunningLlamaServer {
  readonly baseUrl: string;
  readonly port: number;
  readonly alias: string;
  readonly pid: number;
  readonly logFile: string;
  /** Milliseconds from spawn to `/health` 200. */
  readonly startMs: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills every server still running (synchronous: usable in an `exit` handler). */
export function killAllServers(): void {
  for (const child of running) {
    killGroup(child, 'SIGKILL');
  }
  running.clear();
}

function installHooks(): void {
  if (hooksInstalled) {
    return;
  }
  hooksInstalled = true;
  process.on('exit', killAllServers);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllServers();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('uncaughtException', (err) => {
    killAllServers();
    console.error(err);
    process.exit(1);
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts llama-server on a free loopback port and waits until `/health` answers 200. */
export async function startLlamaServer(options: LlamaServerOptions): Promise<RunningLlamaServer> {
  installHooks();
  const port = await freePort();
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'w');
  const args = [
    '-m', options.model,
    '--host', '127.0.0.1',
    '--port', String(port),
    '-t', String(options.threads ?? 1),
    '-c', String(options.ctx),
    '--parallel', String(options.parallel),
    '--alias', options.alias,
    '--metrics',
    '--no-webui',
    ...(options.extraArgs ?? []),
  ];
  const started = Date.now();
  // detached: its own process group, so stop() reaches any child it might start.
  const child = spawn(options.bin, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', () => running.delete(child));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    killGroup(child, 'SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) {
      killGroup(child, 'SIGKILL');
      await exited;
    }
    running.delete(child);
  };
  const deadline = started + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`llama-server (${options.alias}) exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${tail(options.logFile)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`llama-server (${options.alias}) not healthy after ${options.startTimeoutMs ?? 60_000} ms:\n${tail(options.logFile)}`);
    }
    await sleep(50);
  }
  return { baseUrl, port, alias: options.alias, pid: child.pid ?? -1, logFile: options.logFile, startMs: Date.now() - started, stop };
}
