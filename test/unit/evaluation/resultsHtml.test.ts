import * as assert from 'node:assert/strict';
import { qualityLatencyChart } from '../../../src/evaluation/chart';
import { compareRuns } from '../../../src/evaluation/compare';
import { summarizeCell } from '../../../src/evaluation/results';
import type { EvalRun } from '../../../src/evaluation/results';
import { suggestMapping } from '../../../src/evaluation/suggest';
import { rateClass, resultsHtml, resultsPanelCommands } from '../../../src/providers/evaluation/resultsHtml';

function cell(caseName: string, model: string, passes: readonly boolean[], ms: number, answer = 'an answer') {
  return summarizeCell(
    caseName,
    model,
    passes.map((pass) => ({ answer, checks: [{ label: 'contains "x"', pass, detail: pass ? 'found' : 'missing' }], verdicts: [{ criterion: 'Names the bug', status: pass ? 'pass' : 'judge-failed', reason: pass ? 'it does' : 'unreadable judgment' }], judge: 'judge:14b', timeToFirstTokenMs: ms / 5, totalMs: ms, promptTokens: 10, generatedTokens: 20 })),
  );
}

function run(id: string, cells: EvalRun['cells']): EvalRun {
  return { version: 1, id, suite: 'Review', task: 'review', startedAt: id, status: 'finished', models: ['fast:7b', 'big:30b'], cases: ['off by one', 'null check'], repeats: 2, cells };
}

suite('evaluation results page', () => {
  const previous = run('2026-12-07T09-00-00-000Z', [cell('off by one', 'fast:7b', [true, true], 1000), cell('null check', 'fast:7b', [true, true], 1000), cell('off by one', 'big:30b', [true, true], 4000), cell('null check', 'big:30b', [true, true], 4000)]);
  const current = run('2026-12-07T10-00-00-000Z', [
    cell('off by one', 'fast:7b', [true, true], 1000, 'the loop <b>reads</b> past the end'),
    cell('null check', 'fast:7b', [true, false], 1200),
    cell('off by one', 'big:30b', [true, true], 4000),
    cell('null check', 'big:30b', [true, true], 4100),
  ]);
  const suggestion = suggestMapping([current], { tiers: { small: '', code: '', moe: '' }, pins: {} });
  const html = resultsHtml({ suites: [{ run: current, comparison: compareRuns(previous, current) }], suggestion, applyToken: 'token123', unreadable: [], nonce: 'n' });

  test('the matrix has a row per case, a column per model, coloured by pass rate', () => {
    const table = /<table class="matrix">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    assert.match(table, /<th>fast:7b<\/th><th>big:30b<\/th>/);
    const rows = [...table.matchAll(/<tr><th class="case">([^<]+)<\/th>(.*?)<\/tr>/g)].map((m) => [m[1], [...(m[2] ?? '').matchAll(/<td class="([^"]+)">([^<]+)/g)].map((c) => `${c[1]}:${(c[2] ?? '').trim()}`)]);
    assert.deepEqual(rows, [
      ['off by one', ['r4:100 %', 'r4:100 %']],
      ['null check', ['r2 regressed:50 %', 'r4:100 %']],
    ]);
    assert.equal(rateClass(0), 'r0');
    assert.equal(rateClass(0.79), 'r3');
    assert.equal(rateClass(1), 'r4');
  });

  test('a regression against the previous run is marked in its cell and listed', () => {
    assert.match(html, /Compared with run 2026-12-07T09-00-00-000Z: 1 regression, 0 improvements\./);
    assert.match(html, /<li class="delta down">fast:7b · null check 100 % → 50 %<\/li>/);
    assert.match(html, /<td class="r2 regressed">50 % <span class="delta down">▼50<\/span><\/td>/);
  });

  test('drill-down shows each answer escaped, each check and each judgment with the judge', () => {
    assert.match(html, /<pre class="answer">the loop &lt;b&gt;reads&lt;\/b&gt; past the end<\/pre>/);
    assert.doesNotMatch(html, /<b>reads/);
    assert.match(html, /fast:7b · null check — 50 % \(previous run 100 %\)/);
    assert.match(html, /Judgments \(judge: judge:14b\)/);
    assert.match(html, /<span class="judge-failed">\? judge-failed<\/span> Names the bug — <span class="note">unreadable judgment<\/span>/);
    assert.match(html, /<span class="fail">✗<\/span> contains &quot;x&quot; <span class="note">missing<\/span>/);
  });

  test('the suggestion, its apply link (allow-listed command, token only) and one chart per task', () => {
    assert.match(html, /review: big:30b passes 100 % of your 2 review cases/);
    const links = [...html.matchAll(/href="command:([^?"]+)\?([^"]+)"/g)];
    assert.equal(links.length, 1);
    assert.ok(resultsPanelCommands.includes(links[0]?.[1] ?? ''));
    assert.deepEqual(JSON.parse(decodeURIComponent(links[0]?.[2] ?? '')), ['token123']);
    assert.equal([...html.matchAll(/<svg class="quality-latency"/g)].length, 1);
    assert.match(html, /<circle class="dot picked"[^>]*><title>big:30b: 100 % in 4\.0 s<\/title>/);
  });

  test('the chart places dots by pass rate (up) and time (across), and escapes labels', () => {
    const svg = qualityLatencyChart('t', [
      { model: 'slow', passRate: 1, meanTotalMs: 10_000 },
      { model: 'fast<x>', passRate: 0.5, meanTotalMs: 2_000 },
      { model: 'dead', passRate: 0, meanTotalMs: 0 },
    ]);
    const dots = Object.fromEntries([...svg.matchAll(/<circle class="([^"]+)" cx="([\d.]+)" cy="([\d.]+)"[^>]*><title>([^:]+):/g)].map((m) => [m[4], { cls: m[1], x: Number(m[2]), y: Number(m[3]) }]));
    assert.ok((dots.slow?.y ?? 0) < (dots['fast&lt;x&gt;']?.y ?? 0), 'higher pass rate is higher up');
    assert.ok((dots.slow?.x ?? 0) > (dots['fast&lt;x&gt;']?.x ?? 0), 'slower is further right');
    assert.match(dots.dead?.cls ?? '', /failed/);
    assert.doesNotMatch(svg, /fast<x>/);
  });

  test('with no run: says how to start, and offers nothing to apply', () => {
    const empty = resultsHtml({ suites: [], suggestion: suggestMapping([], { tiers: { small: '', code: '', moe: '' }, pins: {} }), applyToken: 'token123', unreadable: ['a/b: bad'], nonce: 'n' });
    assert.match(empty, /No evaluation run in this workspace yet/);
    assert.doesNotMatch(empty, /command:/);
    assert.match(empty, /unreadable\): a\/b: bad/);
  });
});
