/**
 * Real-editor typing benchmark (issue 17). Run: `npm run bench:typing` (under `flock /tmp/tiered-e2e.lock`: it
 * drives the real VS Code harness). Prints the figures and writes bench/results/typing.json.
 *
 * Everything is real: code-server with the packaged extension, chromium typing key by key, llama-server with
 * the project's tiny random-weight models (test/real/makeGguf.ts) behind a recording proxy
 * (bench/typing/recordingProxy.ts). The models never agree with the typist: the worst case for any request
 * sent while typing. The seeded, human-timed session (bench/typing/session.ts) is the same for every run:
 * ~770 keys into the middle of src/report.ts with 10 pauses (2–3 s) at line ends, Tab at 3 of them.
 *
 * Runs: the fast model (tiny "small", two server slots) and the slow one (a wider tiny model written here,
 * {@link slowSpec}: ~10× slower than the fast one to read a prompt, two slots; the cold read of both is printed), each with `tiered.completion.requestPolicy` = costAware (the feature) and = classic (the
 * baseline: the previous release's policy, no slot pinning, no continuation, no warm-up), in the same process.
 *
 * Figures per run: pauses with a suggestion; pause → ghost latency (median, p90; from the keystroke's completion,
 * node's clock, to the first in-page poll, every 5 ms, that finds ghost text in the DOM); model requests
 * per 100 typed characters; server busy while typing (% of typing time, and of the session) from the proxy's
 * request intervals; aborted requests; max concurrent requests (proxy) and max processing slots (llama-server
 * /slots, polled); KV reuse (Σ cache_n / Σ (cache_n + prompt_n) over finished requests) and the server log's
 * slot-selection lines; requests carrying the definitions file in input_extra; accept → next suggestion;
 * share of server time on aborted requests (whole requests, including the part that served a pause), and share
 * spent after the user typed past a request (from the next key after it started to its end).
 * Env: BENCH_SEED (default 20261207), TIERED_VSIX (skip packaging), TYPING_RUNS (e.g. "fast" or "fast:costAware").
 *
 * TYPING_INDEX=large (issue 18: "the index never slows typing"): each selected run is done twice in the same
 * process, first on the small workspace alone (the baseline, its index built in a moment), then with a large
 * synthetic tree beside it (bench/syntheticTree.ts under lib/: TYPING_INDEX_FILES files, default 10,000 of
 * ~10 KB, ~100 MB), so the workspace index is building its first index while the session is typed. The index's
 * status bar entry is read when the session starts and ends, and the Tiered log's index lines are kept, to show
 * that it was building. The tree is synthetic; the editor, the model and the clock are real.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/e2e/harness/browser';
import { startCodeServer } from '../test/e2e/harness/codeServer';
import { findVsix } from '../test/e2e/harness/session';
import { Workbench } from '../test/e2e/harness/workbench';
import { ensureLlamaServer, startLlamaServer } from '../test/real/llamaServer';
import type { RunningLlamaServer } from '../test/real/llamaServer';
import { MODEL_SPECS, buildGguf, writeTinyModels } from '../test/real/makeGguf';
import { makeTree } from './syntheticTree';
import { startRecordingProxy } from './typing/recordingProxy';
import type { ProxiedRequest, RecordingProxy } from './typing/recordingProxy';
import { typingSession, writeWorkspace } from './typing/session';
import type { TypingSession } from './typing/session';

const root = path.join(__dirname, '..');

/**
 * The slow model: the tiny "large" made wider (512 wide, FFN 1280, 6 layers), so that reading a prompt takes
 * ~10× the fast model's time on this machine (tiny "large" alone measured ~6×: 893 vs 155 ms cold).
 */
const slowSpec = { ...MODEL_SPECS.large, name: 'tiered-tiny-slow', nEmbd: 512, nHead: 8, nFf: 1280, seed: 4 };
const seed = Number(process.env.BENCH_SEED ?? 20_261_207);
const ghostSelector = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text .view-line';

type Policy = 'costAware' | 'classic';
/** TYPING_INDEX=large: the large tree's size in files. */
const largeTreeFiles = Number(process.env.TYPING_INDEX_FILES ?? 10_000);
interface ModelSetup {
  readonly name: 'fast' | 'slow';
  readonly server: RunningLlamaServer;
  readonly proxy: RecordingProxy;
}

interface RunFigures {
  model: string;
  policy: Policy;
  keys: number;
  pauses: number;
  pausesWithSuggestion: number;
  pauseToGhostMedianMs: number | null;
  pauseToGhostP90Ms: number | null;
  requests: number;
  requestsPer100Chars: number;
  abortedRequests: number;
  warmUps: number;
  busyWhileTypingPct: number;
  busyOfSessionPct: number;
  serverTimeTypedPastPct: number;
  serverTimeAfterTypedPastPct: number;
  maxConcurrentRequests: number;
  maxProcessingSlots: number;
  kvReusePct: number | null;
  slotPinned: number;
  slotSelectionLog: Record<string, number>;
  requestsWithDefinitionsFile: number;
  acceptToNextMs: Array<number | null>;
  acceptToNextMedianMs: number | null;
  sessionSeconds: number;
  typingSeconds: number;
  /** Every request (warm-ups included), for reading a run: ms from the session start, the key typed before it. */
  requestLog: Array<{ atMs: number; afterKey: number; ms: number | null; firstByteMs: number | null; aborted: boolean; warmUp: boolean; promptN: number | null; cacheN: number | null; extraChars: number }>;
  /** When each pause's key was typed (ms from the session start) and its ghost latency. */
  pauseLog: Array<{ atMs: number; key: number; ghostMs: number | null }>;
  /** TYPING_INDEX=large: the tree beside the typed files (null: the small workspace alone). */
  largeTree: { files: number; megabytes: number } | null;
  /** The index's status bar entry when the session started and when it ended (its text, e.g. "Index 12%"). */
  indexAtStart: string;
  indexAtEnd: string;
  /** The Tiered log's index lines, with the ms from the session start (negative: before it). */
  indexLog: Array<{ atMs: number | null; line: string }>;
  /** The machine's 1-minute load average when the session ended (2 cores shared with other work). */
  loadAverage1m: number;
}

/** The text and label of the index's status bar entry ("" when it is not shown). */
async function indexStatus(page: Page): Promise<string> {
  const text: unknown = await page.evaluate(`(() => {
    const item = [...(document.getElementById('workbench.parts.statusbar')?.querySelectorAll('.statusbar-item') ?? [])].find((e) => /tiered\\.index$/.test(e.id));
    return item === undefined ? '' : ((item.textContent || '').trim() + ' | ' + (item.querySelector('a')?.getAttribute('aria-label') || '')).trim();
  })()`);
  return typeof text === 'string' ? text : '';
}

/** "612 files, 3770 chunks, building 6%" from the status bar entry's label (the whole label when it says otherwise). */
function briefIndexStatus(status: string): string {
  const counts = /(\d+ files, \d+ chunks)/.exec(status)?.[1];
  const doing = /— (\w+ \d+%)/.exec(status)?.[1] ?? 'ready';
  return counts === undefined ? status || '—' : `${counts}, ${doing}`;
}

/** The Tiered log's lines about the index, timed against the session start (the log's own timestamps). */
function indexLogLines(logs: readonly string[], sessionStart: number): RunFigures['indexLog'] {
  return logs
    .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
    .filter((line) => /\bindex: /.test(line))
    .map((line) => {
      const stamp = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})/.exec(line)?.[1];
      const at = stamp === undefined ? Number.NaN : new Date(stamp.replace(' ', 'T')).getTime();
      return { atMs: Number.isNaN(at) ? null : at - sessionStart, line: line.slice(0, 300) };
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Length of the union of intervals intersected with `windows`. */
function overlapMs(intervals: ReadonlyArray<readonly [number, number]>, windows: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && a <= last[1]) {
      last[1] = Math.max(last[1], b);
    } else {
      merged.push([a, b]);
    }
  }
  let total = 0;
  for (const [a, b] of windows) {
    for (const [c, d] of merged) {
      total += Math.max(0, Math.min(b, d) - Math.max(a, c));
    }
  }
  return total;
}

/** Polls llama-server's /slots: the most slots processing at once. */
function pollSlots(baseUrl: string): { stop: () => Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = await fetch(`${baseUrl}/slots`, { signal: AbortSignal.timeout(2000) });
        const slots: unknown = await res.json();
        if (Array.isArray(slots)) {
          const busy = slots.filter((s: { is_processing?: boolean }) => s.is_processing === true).length;
          max = Math.max(max, busy);
        }
      } catch {
        // the server is busy answering; try again
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

/** Extra editor settings for every run, from the TYPING_EDITOR_SETTINGS environment variable (a JSON object). */
function editorSettingsFromEnv(): Record<string, unknown> {
  const raw = process.env.TYPING_EDITOR_SETTINGS;
  if (raw === undefined || raw === '') {
    return {};
  }
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('TYPING_EDITOR_SETTINGS must be a JSON object of settings');
  }
  return Object.fromEntries(Object.entries(parsed));
}

/**
 * Waits for ghost text to show within `timeoutMs`; resolves the ms from `since` (the keystroke, node's clock) to
 * the first frame it was in the DOM (the page's clock: the same machine's), or null. Polled in the page every few
 * ms: a locator's `waitFor` retries after 0, 20, 50, 100, 100, 500 ms, which put every ghost shown between ~270
 * and ~770 ms after the key at ~800 ms.
 */
async function ghostWithin(page: Page, timeoutMs: number, since: number): Promise<number | null> {
  // A string, not a function: the bundler's helpers (e.g. __name) do not exist in the page.
  const seen = `(() => {
    const el = document.querySelector(${JSON.stringify(ghostSelector)});
    return el !== null && el.getClientRects().length > 0 ? Date.now() : false;
  })()`;
  try {
    const handle = await page.waitForFunction(seen, undefined, { timeout: Math.max(1, timeoutMs), polling: 5 });
    const at: unknown = await handle.jsonValue();
    return typeof at === 'number' ? Math.max(0, at - since) : null;
  } catch {
    return null;
  }
}

/** Presses Tab and measures, in the page, the time until the ghost text is gone and then back (the next suggestion). */
async function acceptAndTimeNext(page: Page, timeoutMs: number): Promise<number | null> {
  // Strings, not functions: the bundler's helpers (e.g. __name) do not exist in the page.
  const install = `(() => {
    const sel = ${JSON.stringify(ghostSelector)};
    if (window.__probeObserver) { window.__probeObserver.disconnect(); }
    const probe = { start: performance.now(), gone: undefined, back: undefined };
    window.__probe = probe;
    const check = () => {
      const el = document.querySelector(sel);
      const now = performance.now();
      if (el === null && probe.gone === undefined) { probe.gone = now; }
      else if (el !== null && probe.gone !== undefined && probe.back === undefined) { probe.back = now; }
    };
    window.__probeObserver = new MutationObserver(check);
    window.__probeObserver.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  })()`;
  await page.evaluate(install);
  await page.keyboard.press('Tab');
  try {
    await page.waitForFunction('window.__probe.back !== undefined', null, { timeout: timeoutMs, polling: 10 });
    const ms: unknown = await page.evaluate('Math.round(window.__probe.back - window.__probe.start)');
    return typeof ms === 'number' ? ms : null;
  } catch {
    return null;
  }
}

/** One run: a fresh window on a fresh workspace copy, the session typed, the figures. */
async function run(setup: ModelSetup, policy: Policy, session: TypingSession, vsix: string, withLargeTree = false): Promise<RunFigures> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-typing-ws-'));
  writeWorkspace(workspace);
  let largeTree: RunFigures['largeTree'] = null;
  if (withLargeTree) {
    const started = Date.now();
    const bytes = makeTree(path.join(workspace, 'lib'), largeTreeFiles);
    largeTree = { files: largeTreeFiles, megabytes: round(bytes / 1e6) };
    console.log(`large tree: ${largeTreeFiles} files, ${largeTree.megabytes} MB under lib/ (written in ${round((Date.now() - started) / 1000)} s)`);
  }
  const server = await startCodeServer({
    vsix,
    settings: {
      'tiered.ollama.enabled': false,
      'tiered.openAiEndpoints': [{ name: 'bench', baseUrl: setup.proxy.url }],
      'tiered.completion.model': setup.server.alias,
      'tiered.completion.requestPolicy': policy,
      'editor.autoClosingBrackets': 'never',
      'editor.autoClosingQuotes': 'never',
      'editor.autoClosingOvertype': 'never',
      'editor.autoSurround': 'never',
      'editor.autoIndent': 'none',
      'editor.formatOnType': false,
      'editor.acceptSuggestionOnEnter': 'off',
      'editor.tabCompletion': 'off',
      'editor.wordBasedSuggestions': 'off',
      // TYPING_EDITOR_SETTINGS='{"editor.quickSuggestions":false}' measures with other editor settings.
      ...editorSettingsFromEnv(),
    },
  });
  const browser = await launchBrowser();
  try {
    const wb = await Workbench.open(browser, server, { folder: workspace });
    await wb.waitForActivityBarItem('Tiered');
    // The other files were opened before (the "next tab" the typed code uses), then the file being written.
    await wb.openFile('src/models.ts');
    await wb.openFile('src/money.ts');
    await wb.openFile(session.file);
    await wb.goToLine(session.startLine, session.startColumn);
    await sleep(3000);
    const page = wb.page;
    const indexAtStart = await indexStatus(wb.page);
    const requestsBefore = setup.proxy.requests.length;
    const logBefore = fs.readFileSync(setup.server.logFile, 'utf8').length;
    setup.proxy.resetMaxOpen();
    const slots = pollSlots(setup.server.baseUrl);
    const latencies: number[] = [];
    const acceptToNext: Array<number | null> = [];
    let pausesWithSuggestion = 0;
    const typingWindows: Array<[number, number]> = [];
    const keyTimes: number[] = [];
    const pauseLog: RunFigures['pauseLog'] = [];
    const sessionStart = Date.now();
    let next = sessionStart;
    for (const key of session.keys) {
      await sleep(next - Date.now());
      if (key.char === '\n') {
        await page.keyboard.press('Enter');
      } else {
        await page.keyboard.type(key.char);
      }
      const typedAt = Date.now();
      keyTimes.push(typedAt);
      if (key.pause) {
        const ghost = await ghostWithin(page, key.gapMs, typedAt);
        pauseLog.push({ atMs: typedAt - sessionStart, key: keyTimes.length - 1, ghostMs: ghost });
        if (ghost !== null) {
          pausesWithSuggestion++;
          latencies.push(ghost);
          if (key.acceptAtPause) {
            acceptToNext.push(await acceptAndTimeNext(page, Math.max(500, typedAt + key.gapMs - Date.now())));
          }
        }
        next = typedAt + key.gapMs;
        // The rest of the pause: nothing typed.
        await sleep(next - Date.now());
      } else {
        next = typedAt + key.gapMs;
        typingWindows.push([typedAt, next]);
      }
    }
    const sessionEnd = Date.now();
    const indexAtEnd = await indexStatus(page);
    const loadAverage1m = round(os.loadavg()[0] ?? 0, 2);
    await sleep(1500);
    const maxProcessingSlots = await slots.stop();
    const requests: ProxiedRequest[] = setup.proxy.requests.slice(requestsBefore).filter((r) => r.path === '/infill' || r.path === '/completion' || r.path === '/v1/completions');
    const real = requests.filter((r) => r.nPredict !== 0);
    const warmUps = requests.length - real.length;
    const intervals = requests.map((r) => [r.startedAt, r.endedAt ?? sessionEnd] as const);
    const typingMs = typingWindows.reduce((n, [a, b]) => n + (b - a), 0);
    const busyTyping = overlapMs(intervals, typingWindows);
    const busySession = overlapMs(intervals, [[sessionStart, sessionEnd]]);
    const abortedBusy = overlapMs(
      requests.filter((r) => r.aborted).map((r) => [r.startedAt, r.endedAt ?? sessionEnd] as const),
      [[sessionStart, sessionEnd + 60_000]],
    );
    const busyAll = overlapMs(intervals, [[sessionStart, sessionEnd + 60_000]]);
    // The server time a request spent after the user typed the next key (the random models never agree, so from
    // then on its answer is of no use), over all server time.
    const afterTypedPast = overlapMs(
      real.flatMap((r) => {
        const next = keyTimes.find((t) => t > r.startedAt);
        const end = r.endedAt ?? sessionEnd;
        return next !== undefined && next < end ? [[next, end] as const] : [];
      }),
      [[sessionStart, sessionEnd + 60_000]],
    );
    const finished = real.filter((r) => !r.aborted && r.promptN !== undefined);
    const cacheN = finished.reduce((n, r) => n + (r.cacheN ?? 0), 0);
    const promptN = finished.reduce((n, r) => n + (r.promptN ?? 0), 0);
    const log = fs.readFileSync(setup.server.logFile, 'utf8').slice(logBefore);
    const selection: Record<string, number> = {};
    for (const m of log.matchAll(/selected slot by ([\w ]+?)(?:,|:|$)/gm)) {
      const k = (m[1] ?? '').trim();
      selection[k] = (selection[k] ?? 0) + 1;
    }
    const accepted = acceptToNext.filter((v): v is number => v !== null);
    const indexLog = indexLogLines(server.findLogs(/Tiered\.log$/), sessionStart);
    await wb.close();
    return {
      model: setup.name,
      policy,
      keys: session.keys.length,
      pauses: session.pauses,
      pausesWithSuggestion,
      pauseToGhostMedianMs: percentile(latencies, 50),
      pauseToGhostP90Ms: percentile(latencies, 90),
      requests: real.length,
      requestsPer100Chars: round((100 * real.length) / session.keys.length, 2),
      abortedRequests: real.filter((r) => r.aborted).length,
      warmUps,
      busyWhileTypingPct: round((100 * busyTyping) / Math.max(1, typingMs)),
      busyOfSessionPct: round((100 * busySession) / Math.max(1, sessionEnd - sessionStart)),
      serverTimeTypedPastPct: round((100 * abortedBusy) / Math.max(1, busyAll)),
      serverTimeAfterTypedPastPct: round((100 * afterTypedPast) / Math.max(1, busyAll)),
      maxConcurrentRequests: setup.proxy.maxOpen,
      maxProcessingSlots,
      kvReusePct: cacheN + promptN > 0 ? round((100 * cacheN) / (cacheN + promptN)) : null,
      slotPinned: real.filter((r) => r.slot !== undefined && r.cachePrompt === true).length,
      slotSelectionLog: selection,
      requestsWithDefinitionsFile: real.filter((r) => r.extraFiles.some((f) => f.endsWith(session.definitionsFile))).length,
      acceptToNextMs: acceptToNext,
      acceptToNextMedianMs: percentile(accepted, 50),
      sessionSeconds: round((sessionEnd - sessionStart) / 1000),
      typingSeconds: round(typingMs / 1000),
      requestLog: requests.map((r) => ({
        atMs: r.startedAt - sessionStart,
        afterKey: keyTimes.filter((t) => t <= r.startedAt).length - 1,
        ms: r.endedAt === undefined ? null : r.endedAt - r.startedAt,
        firstByteMs: r.firstByteAt === undefined ? null : r.firstByteAt - r.startedAt,
        aborted: r.aborted,
        warmUp: r.nPredict === 0,
        promptN: r.promptN ?? null,
        cacheN: r.cacheN ?? null,
        extraChars: r.extraChars,
      })),
      pauseLog,
      largeTree,
      indexAtStart,
      indexAtEnd,
      indexLog,
      loadAverage1m,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** Time to first token for a ~1,500-token prompt read from scratch (no cache), median of 3, for the model speed line. */
async function coldPromptMs(server: RunningLlamaServer): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const prefix = `// read ${i}\n${'export const value = compute(alpha, beta) + offset;\n'.repeat(120)}`;
    const started = Date.now();
    const res = await fetch(`${server.baseUrl}/infill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_prefix: prefix, input_suffix: '\n', n_predict: 1, cache_prompt: false }),
    });
    await res.text();
    times.push(Date.now() - started);
  }
  return percentile(times, 50) ?? 0;
}

async function main(): Promise<void> {
  const bin = ensureLlamaServer({ build: false, logFile: path.join(os.tmpdir(), 'tiered-llama-build.log') });
  if (bin === undefined) {
    console.error('typing bench: no llama-server binary. Build it: node scripts/build-llama-server.mjs (about 7 minutes on 2 cores).');
    process.exit(1);
  }
  let vsix = process.env.TIERED_VSIX;
  if (vsix === undefined) {
    const packStarted = Date.now();
    const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });
    const written = ((): string | undefined => {
      try {
        const found = findVsix();
        return fs.statSync(found).mtimeMs >= packStarted ? found : undefined;
      } catch {
        return undefined;
      }
    })();
    if (written === undefined) {
      console.error('typing bench: `npm run package` wrote no .vsix; the benchmark needs one.');
      process.exit(1);
    }
    if (pack.status !== 0) {
      // The .vsix was built but the package's content check failed (e.g. a file another feature needs is missing):
      // completions do not depend on it, so measure anyway and say so.
      console.warn('typing bench: WARNING: `npm run package` built the .vsix but its content check failed (see above); measuring with it anyway.');
    }
    // A private copy: other runs may repackage the shared one meanwhile.
    vsix = path.join(os.tmpdir(), 'tiered-typing-bench.vsix');
    fs.copyFileSync(written, vsix);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-typing-'));
  const models = writeTinyModels(path.join(work, 'models'));
  const session = typingSession(seed);
  const only = process.env.TYPING_RUNS ?? '';
  const withIndex = process.env.TYPING_INDEX === 'large';
  const slowPath = path.join(work, 'models', 'slow.gguf');
  fs.writeFileSync(slowPath, buildGguf(slowSpec).bytes);
  const plan: Array<{ name: 'fast' | 'slow'; model: string; path: string }> = [
    { name: 'fast', model: 'small', path: models.small.path },
    { name: 'slow', model: 'slow', path: slowPath },
  ];
  const results: RunFigures[] = [];
  const speeds: Record<string, number> = {};
  for (const p of plan) {
    if (only !== '' && !only.split(',').some((o) => o.startsWith(p.name))) {
      continue;
    }
    const server = await startLlamaServer({
      bin,
      model: p.path,
      alias: `tiered-${p.model}`,
      ctx: 8192,
      parallel: 2,
      threads: 1,
      logFile: path.join(work, `${p.name}.log`),
    });
    const proxy = await startRecordingProxy({ upstream: server.baseUrl });
    try {
      speeds[p.name] = await coldPromptMs(server);
      console.log(`${p.name} model (tiny ${p.model}): ~1,500-token prompt read cold in ${speeds[p.name]} ms`);
      for (const policy of ['costAware', 'classic'] as const) {
        if (only !== '' && !only.split(',').some((o) => o === p.name || o === `${p.name}:${policy}`)) {
          continue;
        }
        for (const large of withIndex ? [false, true] : [false]) {
          console.log(`\n--- ${p.name} model, policy ${policy}${large ? ', with the large tree being indexed' : ''} ---`);
          const figures = await run({ name: p.name, server, proxy }, policy, session, vsix, large);
          const { requestLog, pauseLog, indexLog, ...summary } = figures;
          console.log(JSON.stringify(summary, null, 2));
          console.log(`(${requestLog.length} requests and ${pauseLog.length} pauses logged in the JSON)`);
          if (large) {
            console.log(`index log:\n${indexLog.map((l) => `  [${l.atMs === null ? '?' : `${round(l.atMs / 1000)} s`}] ${l.line}`).join('\n')}`);
          }
          results.push(figures);
        }
      }
    } finally {
      await proxy.close();
      await server.stop();
    }
  }
  printTable(results, speeds);
  // A partial run (TYPING_RUNS) writes beside the full one instead of replacing it.
  const suffix = `${only === '' ? '' : `-${only.replace(/[^\w-]+/g, '_')}`}${withIndex ? '-index' : ''}`;
  const out = path.join(root, 'bench', 'results', `typing${suffix}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify({ seed, keys: session.keys.length, pauses: session.pauses, machine: { cpus: os.cpus().length, load: os.loadavg() }, coldPromptMs: speeds, ...(withIndex ? { largeTree: { simulated: 'synthetic source tree (bench/syntheticTree.ts); real editor, model and clock', files: largeTreeFiles } } : {}), runs: results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${path.relative(root, out)}`);
  fs.rmSync(work, { recursive: true, force: true });
}

function printTable(results: readonly RunFigures[], speeds: Record<string, number>): void {
  const rows: Array<[string, (f: RunFigures) => string]> = [
    ['pauses with a suggestion', (f) => `${f.pausesWithSuggestion}/${f.pauses}`],
    ['pause → ghost median (ms)', (f) => String(f.pauseToGhostMedianMs ?? '—')],
    ['pause → ghost p90 (ms)', (f) => String(f.pauseToGhostP90Ms ?? '—')],
    ['requests / 100 typed chars', (f) => String(f.requestsPer100Chars)],
    ['server busy while typing (%)', (f) => String(f.busyWhileTypingPct)],
    ['server busy, whole session (%)', (f) => String(f.busyOfSessionPct)],
    ['server time on aborted requests (%)', (f) => String(f.serverTimeTypedPastPct)],
    ['server time after the user typed past (%)', (f) => String(f.serverTimeAfterTypedPastPct)],
    ['aborted requests', (f) => `${f.abortedRequests}/${f.requests}`],
    ['warm-up requests', (f) => String(f.warmUps)],
    ['max concurrent (proxy / slots)', (f) => `${f.maxConcurrentRequests} / ${f.maxProcessingSlots}`],
    ['KV reuse (cache_n share, %)', (f) => String(f.kvReusePct ?? '—')],
    ['pinned (id_slot + cache_prompt)', (f) => `${f.slotPinned}/${f.requests}`],
    ['slot selection (server log)', (f) => Object.entries(f.slotSelectionLog).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none logged'],
    ['prompts with the definitions file', (f) => `${f.requestsWithDefinitionsFile}/${f.requests}`],
    ['accept → next suggestion (ms)', (f) => f.acceptToNextMs.map((v) => (v === null ? 'none' : String(v))).join(', ') || '—'],
  ];
  if (results.some((r) => r.largeTree !== null)) {
    rows.push(
      ['large tree beside the typed files', (f) => (f.largeTree === null ? 'none' : `${f.largeTree.files} files, ${f.largeTree.megabytes} MB`)],
      ['index at session start', (f) => briefIndexStatus(f.indexAtStart)],
      ['index at session end', (f) => briefIndexStatus(f.indexAtEnd)],
      ['load average (1 min) at session end', (f) => String(f.loadAverage1m)],
    );
  }
  console.log(`\n=== Typing benchmark (real VS Code, real llama-server, tiny random-weight models; seed ${seed}) ===`);
  console.log(`cold prompt read (~1,500 tokens): ${Object.entries(speeds).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  const header = ['figure', ...results.map((r) => `${r.model}/${r.policy}${r.largeTree !== null ? '+index' : ''}`)];
  const table = [header, ...rows.map(([label, get]) => [label, ...results.map(get)])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) {
    console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
