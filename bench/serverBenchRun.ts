/**
 * The shared ending of the benches that start llama-server and the engine: write the figures with the load
 * average beside them (wall-clock figures on 2 shared cores mean little without it), and a `main` that always
 * stops every server it started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { killAllServers } from '../test/real/llamaServer';

/** The 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Adds the load average after the run to `results`, prints both, and writes them as JSON to `file`. */
export function writeServerBenchResults(file: string, results: Record<string, unknown>): void {
  results.loadAverageAfter = loadAverage();
  console.log(`load average before ${JSON.stringify(results.loadAverageBefore)}, after ${JSON.stringify(results.loadAverageAfter)} (1, 5, 15 min)`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

/** Runs a bench's `main`, stopping every llama-server it started whether it ends or fails. */
export function runServerBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      killAllServers();
      process.exit(1);
    },
  );
}
