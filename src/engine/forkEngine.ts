/**
 * Starts the engine process with `child_process.fork`: its own process, so a crash or an out-of-memory in
 * llama.cpp never takes the extension host down. Inside VS Code, fork runs the script with Electron as Node;
 * node-llama-cpp's binaries are Node-API, so they load there too. The ChildProcess satisfies `EngineChild`.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { gpuPackagesExecArgv } from './gpuVariantHook';

export interface ForkEngineOptions {
  /** The engine script: `dist/engineHost.js` in the extension, or src/engine/host/engineMain.ts under tsx in tests. */
  readonly script: string;
  /** Node options for the child, e.g. `['--import', 'tsx']` to run the TypeScript source. */
  readonly execArgv?: readonly string[];
  /** `off` keeps the engine on the CPU. */
  readonly gpu?: 'auto' | 'off';
  readonly threads?: number;
  /** A `node_modules` folder of GPU builds downloaded on first use (gpuVariant.ts), resolved by the engine. */
  readonly gpuPackagesDir?: string;
  /** Lines the engine writes to stderr (llama.cpp's own errors). */
  readonly onStderr?: (line: string) => void;
}

export function forkEngine(options: ForkEngineOptions): ChildProcess {
  const child = fork(options.script, [], {
    execArgv: [...gpuPackagesExecArgv(options.gpuPackagesDir), ...(options.execArgv ?? [])],
    env: {
      ...process.env,
      TIERED_ENGINE_GPU: options.gpu ?? 'auto',
      ...(options.threads !== undefined ? { TIERED_ENGINE_THREADS: String(options.threads) } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() !== '') {
        options.onStderr?.(line);
      }
    }
  });
  return child;
}
