/**
 * The evaluation results page, built from plain data (no `vscode` import, so it is unit-tested): the suggested tier
 * mapping and pins with one "apply" link, a quality-vs-latency chart per task, and per suite the model × case matrix
 * (pass rate per cell, coloured; regressions against the previous finished run marked) with a drill-down to every
 * answer, check and judgment. No script at all: drill-downs are `<details>`, the only link is a command URI on
 * {@link resultsPanelCommands}; one nonce'd style element; every model answer and file-borne text is escaped.
 */
import { qualityLatencyChart } from '../../evaluation/chart';
import type { RunComparison } from '../../evaluation/compare';
import type { AttemptResult, CellResult, EvalRun } from '../../evaluation/results';
import { cellKey } from '../../evaluation/results';
import type { MappingSuggestion } from '../../evaluation/suggest';
import { formatMs } from '../../util/format';
import { escapeHtml } from '../../util/html';
import { commandIds } from '../commands/commandIds';

/** The only commands the page's links may run (the panel's `enableCommandUris` allow-list). */
export const resultsPanelCommands: readonly string[] = [commandIds.applyEvaluationSuggestion];

/** One suite as shown: its latest run, and the comparison with the previous finished run when there is one. */
export interface SuiteResultsView {
  readonly run: EvalRun;
  readonly comparison?: RunComparison;
}

export interface ResultsHtmlInput {
  readonly suites: readonly SuiteResultsView[];
  readonly suggestion: MappingSuggestion;
  /** Names the suggestion the apply link stands for; the host refuses a link from an older page. */
  readonly applyToken: string;
  /** Stored runs that could not be read, as "suite/run: why". */
  readonly unreadable: readonly string[];
  readonly nonce: string;
}

const styles = `body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:0 16px 24px}
table.matrix{border-collapse:collapse;margin:8px 0}
table.matrix th,table.matrix td{border:1px solid var(--vscode-panel-border);padding:3px 8px;text-align:center}
table.matrix th.case{text-align:left;font-weight:normal}
td.r0{background:rgba(220,60,60,.45)} td.r1{background:rgba(230,120,50,.4)} td.r2{background:rgba(220,190,40,.35)}
td.r3{background:rgba(140,190,60,.35)} td.r4{background:rgba(50,170,90,.45)} td.error{background:rgba(130,130,130,.35)}
td.regressed{outline:2px solid var(--vscode-editorError-foreground);outline-offset:-2px;font-weight:bold}
.delta.down{color:var(--vscode-editorError-foreground)} .delta.up{color:var(--vscode-testing-iconPassed,#388a34)}
tr.totals td,tr.totals th{font-style:italic}
pre{background:var(--vscode-textCodeBlock-background);padding:6px;white-space:pre-wrap;font-family:var(--vscode-editor-font-family);max-height:320px;overflow:auto}
details{margin:4px 0} details>summary{cursor:pointer}
.pass{color:var(--vscode-testing-iconPassed,#388a34)} .fail{color:var(--vscode-testing-iconFailed,#f14c4c)} .judge-failed{color:var(--vscode-editorWarning-foreground)}
.note{color:var(--vscode-descriptionForeground)}
section.suggestion{border:1px solid var(--vscode-panel-border);padding:4px 12px;margin:8px 0}
a.apply{display:inline-block;padding:4px 10px;margin:6px 0;background:var(--vscode-button-background);color:var(--vscode-button-foreground);text-decoration:none}
svg.quality-latency text{fill:var(--vscode-foreground);font-size:11px}
svg.quality-latency text.title{font-weight:bold;font-size:12px}
svg.quality-latency line.grid{stroke:var(--vscode-panel-border);stroke-dasharray:2 3}
svg.quality-latency line.axis{stroke:var(--vscode-foreground)}
svg.quality-latency circle.dot{fill:var(--vscode-charts-blue,#3794ff)}
svg.quality-latency circle.picked{fill:var(--vscode-charts-green,#89d185);stroke:var(--vscode-foreground)}
svg.quality-latency circle.failed{fill:var(--vscode-charts-red,#f14c4c)}
svg.quality-latency text.picked{font-weight:bold}`;

function percent(rate: number): string {
  return `${Math.round(rate * 100)} %`;
}

/** Colour bucket of a pass rate: r0 (< 20 %) … r4 (≥ 80 %). */
export function rateClass(rate: number): string {
  return `r${Math.min(4, Math.max(0, Math.floor(rate * 5)))}`;
}

function commandLink(command: string, args: readonly unknown[], label: string, cls: string): string {
  const href = `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
  return `<a class="${cls}" href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;
}

function suggestionSection(s: MappingSuggestion, token: string): string {
  const parts: string[] = ['<section class="suggestion"><h2>Suggested tiers and pins</h2>'];
  if (s.tasks.length === 0 && s.unsuggested.length === 0) {
    parts.push('<p class="note">No finished run yet: run a suite (Tiered: Run Evaluation Suite) to get a suggestion.</p></section>');
    return parts.join('');
  }
  parts.push('<ul class="tasks">');
  for (const t of s.tasks) {
    parts.push(`<li>${escapeHtml(t.text)}</li>`);
  }
  for (const t of s.unsuggested) {
    parts.push(`<li class="note">${escapeHtml(t.text)}</li>`);
  }
  parts.push('</ul>');
  if (s.empty) {
    parts.push('<p class="note">Your tier and pin settings already match these results.</p>');
  } else {
    const changes = [
      ...s.tiers.map((t) => `tier ${t.tier} → ${t.model} (${t.reason})`),
      ...Object.entries(s.pins).map(([task, pin]) => `pin ${task} → ${pin}`),
    ];
    parts.push(`<ul class="changes">${changes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>`);
    parts.push(commandLink(commandIds.applyEvaluationSuggestion, [token], 'Apply to my settings', 'apply'));
    parts.push('<p class="note">Writes your user settings (tiered.tiers.*.model and tiered.routing.pins); a workspace value that wins over them is named.</p>');
  }
  parts.push('</section>');
  return parts.join('');
}

function chartsSection(s: MappingSuggestion): string {
  const tasks = [...new Set(s.scores.map((x) => x.task))];
  if (tasks.length === 0) {
    return '';
  }
  const charts = tasks.map((task) => {
    const picked = s.tasks.find((t) => t.task === task)?.model;
    const points = s.scores.filter((x) => x.task === task).map((x) => ({ model: x.model, passRate: x.passRate, meanTotalMs: x.meanTotalMs, picked: x.model === picked }));
    return qualityLatencyChart(`${task}: quality vs latency`, points);
  });
  return `<section class="charts"><h2>Quality vs latency</h2>${charts.join('\n')}</section>`;
}

function attemptHtml(a: AttemptResult, index: number): string {
  const parts: string[] = [];
  const timing = a.error !== undefined ? `no answer: ${a.error}` : `first token ${formatMs(a.timeToFirstTokenMs)}, total ${formatMs(a.totalMs)}, ${a.promptTokens} + ${a.generatedTokens} tokens`;
  parts.push(`<div class="attempt"><div><strong>Attempt ${index + 1}</strong> <span class="note">${escapeHtml(timing)}</span></div>`);
  parts.push(`<pre class="answer">${escapeHtml(a.answer)}</pre>`);
  if (a.checks.length > 0) {
    parts.push(`<ul class="checks">${a.checks.map((c) => `<li><span class="${c.pass ? 'pass' : 'fail'}">${c.pass ? '✓' : '✗'}</span> ${escapeHtml(c.label)} <span class="note">${escapeHtml(c.detail)}</span></li>`).join('')}</ul>`);
  }
  if (a.verdicts.length > 0) {
    const judge = a.judge !== undefined ? ` (judge: ${a.judge})` : '';
    parts.push(`<div class="note">Judgments${escapeHtml(judge)}</div><ul class="verdicts">`);
    for (const v of a.verdicts) {
      const mark = v.status === 'pass' ? '✓' : v.status === 'fail' ? '✗' : '?';
      parts.push(`<li><span class="${v.status}">${mark} ${escapeHtml(v.status)}</span> ${escapeHtml(v.criterion)} — <span class="note">${escapeHtml(v.reason)}</span></li>`);
    }
    parts.push('</ul>');
  }
  parts.push('</div>');
  return parts.join('');
}

function cellDetails(cell: CellResult, change: { before: number | undefined; delta: number } | undefined): string {
  const was = change?.before !== undefined ? ` (previous run ${percent(change.before)})` : '';
  const summary = `${cell.model} · ${cell.caseName} — ${cell.status === 'error' ? 'error' : percent(cell.passRate)}${was}, ${formatMs(cell.meanTotalMs)}`;
  return `<details class="cell"><summary>${escapeHtml(summary)}</summary>${cell.attempts.map(attemptHtml).join('')}</details>`;
}

function suiteSection(view: SuiteResultsView): string {
  const { run, comparison } = view;
  const cells = new Map(run.cells.map((c) => [cellKey(c.caseName, c.model), c]));
  const changes = new Map((comparison?.changes ?? []).map((c) => [cellKey(c.caseName, c.model), c]));
  const regressed = new Set((comparison?.regressions ?? []).map((c) => cellKey(c.caseName, c.model)));
  const parts: string[] = [];
  const status = run.status === 'finished' ? '' : ` · ${run.status === 'running' ? 'interrupted (run the suite again to resume)' : 'cancelled'}`;
  parts.push(`<section class="suite"><h2>${escapeHtml(run.suite)}</h2>`);
  parts.push(`<p class="note">${escapeHtml(`${run.task ?? 'savedPrompt'} · run ${run.id} · ${run.repeats} repeat${run.repeats === 1 ? '' : 's'} per cell${status}`)}</p>`);
  if (comparison === undefined) {
    parts.push('<p class="note">No earlier finished run to compare with.</p>');
  } else {
    const worse = comparison.regressions.map((r) => `${r.model} · ${r.caseName} ${percent(r.before ?? 0)} → ${percent(r.after)}`);
    parts.push(
      `<p class="comparison">Compared with run ${escapeHtml(comparison.previousId)}: ${comparison.regressions.length} regression${comparison.regressions.length === 1 ? '' : 's'}, ${comparison.improvements.length} improvement${comparison.improvements.length === 1 ? '' : 's'}.</p>` +
        (worse.length > 0 ? `<ul class="regressions">${worse.map((w) => `<li class="delta down">${escapeHtml(w)}</li>`).join('')}</ul>` : ''),
    );
  }
  parts.push(`<table class="matrix"><thead><tr><th>Case</th>${run.models.map((m) => `<th>${escapeHtml(m)}</th>`).join('')}</tr></thead><tbody>`);
  for (const name of run.cases) {
    parts.push(`<tr><th class="case">${escapeHtml(name)}</th>`);
    for (const model of run.models) {
      const key = cellKey(name, model);
      const cell = cells.get(key);
      if (cell === undefined) {
        parts.push('<td class="missing">—</td>');
        continue;
      }
      const change = changes.get(key);
      const delta = change !== undefined && change.before !== undefined && Math.abs(change.delta) > 1e-9 ? ` <span class="delta ${change.delta < 0 ? 'down' : 'up'}">${change.delta < 0 ? '▼' : '▲'}${Math.round(Math.abs(change.delta) * 100)}</span>` : '';
      const cls = [cell.status === 'error' ? 'error' : rateClass(cell.passRate), ...(regressed.has(key) ? ['regressed'] : [])].join(' ');
      const label = cell.status === 'error' ? 'error' : percent(cell.passRate);
      // Model and case names stay out of attributes: file-borne text only ever lands in element content.
      parts.push(`<td class="${cls}">${escapeHtml(label)}${delta}</td>`);
    }
    parts.push('</tr>');
  }
  const totals = run.models.map((model) => {
    const mine = run.cells.filter((c) => c.model === model);
    const answered = mine.filter((c) => c.status === 'done');
    const rate = mine.length === 0 ? 0 : mine.reduce((n, c) => n + c.passRate, 0) / mine.length;
    const time = answered.length === 0 ? 0 : answered.reduce((n, c) => n + c.meanTotalMs, 0) / answered.length;
    return `<td>${escapeHtml(`${percent(rate)} · ${formatMs(time)}`)}</td>`;
  });
  parts.push(`<tr class="totals"><th class="case">All cases (mean time)</th>${totals.join('')}</tr></tbody></table>`);
  parts.push(`<details class="drill"><summary>Answers and judgments (${run.cells.length} cells)</summary>`);
  for (const cell of run.cells) {
    parts.push(cellDetails(cell, changes.get(cellKey(cell.caseName, cell.model))));
  }
  parts.push('</details></section>');
  return parts.join('');
}

/** The whole page. */
export function resultsHtml(input: ResultsHtmlInput): string {
  const body: string[] = ['<h1>Evaluation results</h1>'];
  if (input.suites.length === 0) {
    body.push('<p>No evaluation run in this workspace yet. Add a "&lt;prompt&gt;.cases.yaml" next to a saved prompt and run Tiered: Run Evaluation Suite.</p>');
  }
  body.push(suggestionSection(input.suggestion, input.applyToken));
  body.push(chartsSection(input.suggestion));
  for (const s of input.suites) {
    body.push(suiteSection(s));
  }
  if (input.unreadable.length > 0) {
    body.push(`<p class="note">Stored runs left out (unreadable): ${escapeHtml(input.unreadable.join('; '))}</p>`);
  }
  const csp = `default-src 'none'; style-src 'nonce-${input.nonce}';`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}"><title>Tiered: Evaluation Results</title>
<style nonce="${escapeHtml(input.nonce)}">${styles}</style></head><body>${body.join('\n')}</body></html>`;
}
