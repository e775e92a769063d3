/**
 * The built-in engine's model download (src/engine/download.ts) against a local HTTP server serving the project's
 * generated GGUF (37 MB "large" model): throughput of Tiered's downloader (chunks written as they arrive, free-space
 * check, sha256 read-back before use) against a plain `fetch` → `arrayBuffer` → `writeFile` of the same file from the
 * same server in the same process (the baseline: no resume, no check); then resume correctness: the server cuts the
 * connection at 10 %, 50 % and 90 % once, and the next attempt must ask `Range: bytes=<kept>-`, receive only the
 * rest, and end with the exact file. Real network stack on the loopback, real disk. Writes
 * bench/results/engineDownload.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError, downloadModel, partialPath } from '../src/engine/download';
import { writeTinyModel } from '../test/real/makeGguf';

const RUNS = 3;
const repo = join(__dirname, '..');
const resultsFile = join(repo, 'bench', 'results', 'engineDownload.json');
const dir = mkdtempSync(join(tmpdir(), 'tiered-download-bench-'));
const model = writeTinyModel('large', join(dir, 'src'));
const bytes = readFileSync(model.path);
const sha256 = createHash('sha256').update(bytes).digest('hex');

interface Served {
  range: string | undefined;
  sentBytes: number;
}

/** Serves the model with Range support; `cutAt` (bytes into the file) breaks the next response there, once. */
function startServer(): Promise<{ url: string; served: Served[]; cutOnce: (at: number) => void; close: () => Promise<void> }> {
  const served: Served[] = [];
  let cutAt: number | undefined;
  const server = http.createServer((req, res) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const entry: Served = { range: req.headers.range, sentBytes: 0 };
    served.push(entry);
    res.writeHead(m ? 206 : 200, { 'content-length': String(bytes.length - start), ...(m ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
    const cut = cutAt;
    cutAt = undefined;
    if (cut !== undefined && cut > start) {
      entry.sentBytes = cut - start;
      res.write(bytes.subarray(start, cut), () => res.socket?.end());
      return;
    }
    entry.sentBytes = bytes.length - start;
    res.end(bytes.subarray(start));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/m.gguf`,
        served,
        cutOnce: (at) => {
          cutAt = at;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mbps = (n: number, ms: number): number => Math.round((n / 2 ** 20 / (ms / 1000)) * 10) / 10;

async function main(): Promise<void> {
  const server = await startServer();
  const baseline: number[] = [];
  const tiered: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // Alternated, so that both see the same machine load.
      const t0 = performance.now();
      const r = await fetch(server.url);
      writeFileSync(join(dir, `plain-${i}.gguf`), Buffer.from(await r.arrayBuffer()));
      baseline.push(mbps(bytes.length, performance.now() - t0));
      const dest = join(dir, `tiered-${i}.gguf`);
      const t1 = performance.now();
      await downloadModel({ url: server.url, dest, sha256 });
      tiered.push(mbps(bytes.length, performance.now() - t1));
      rmSync(dest);
    }

    const resume: { cutPercent: number; kept: number; range: string | undefined; secondRequestBytes: number; restBytes: number; exact: boolean; ok: boolean }[] = [];
    for (const pct of [10, 50, 90]) {
      const dest = join(dir, `resume-${pct}.gguf`);
      server.cutOnce(Math.floor((bytes.length * pct) / 100));
      const first = await downloadModel({ url: server.url, dest, sha256 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const kept = statSync(partialPath(dest)).size;
      const failedWell = first instanceof DownloadError && first.reason === 'offline' && first.partialKept;
      const result = await downloadModel({ url: server.url, dest, sha256 });
      const second = server.served[server.served.length - 1];
      const exact = createHash('sha256').update(readFileSync(dest)).digest('hex') === sha256;
      resume.push({ cutPercent: pct, kept, range: second?.range, secondRequestBytes: second?.sentBytes ?? -1, restBytes: bytes.length - kept, exact, ok: failedWell && second?.range === `bytes=${kept}-` && second.sentBytes === bytes.length - kept && result.resumedFromBytes === kept && exact });
    }

    const out = {
      machine: { note: 'same machine, same process, loopback HTTP; figures are real (not simulated)' },
      fileBytes: bytes.length,
      runs: RUNS,
      throughputMBps: { baselinePlainFetch: median(baseline), tieredDownloader: median(tiered), baselineRuns: baseline, tieredRuns: tiered },
      resume,
    };
    console.log(`download of ${(bytes.length / 2 ** 20).toFixed(1)} MB over loopback, median of ${RUNS}:`);
    console.log(`  baseline (fetch → arrayBuffer → writeFile, no check): ${out.throughputMBps.baselinePlainFetch} MB/s  runs ${baseline.join(', ')}`);
    console.log(`  Tiered downloader (streamed to disk + sha256 check):  ${out.throughputMBps.tieredDownloader} MB/s  runs ${tiered.join(', ')}`);
    for (const r of resume) {
      console.log(`  resume after a cut at ${r.cutPercent} %: kept ${r.kept} B, next request ${r.range ?? '(no Range)'} got ${r.secondRequestBytes} B (rest ${r.restBytes} B), file exact: ${r.exact} → ${r.ok ? 'OK' : 'WRONG'}`);
    }
    mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${resultsFile}`);
    if (resume.some((r) => !r.ok)) {
      process.exitCode = 1;
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
