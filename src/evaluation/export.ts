/**
 * Exporting a run: the stored JSON as is, or CSV with one row per check or criterion of each cell (what a
 * spreadsheet wants). Cells that start like a formula are prefixed with `'`, so a model's answer or a case name
 * cannot run as a formula when the file is opened (CSV injection). Pure: no `vscode` import.
 */
import { itemPassRate } from './results';
import type { EvalRun } from './results';

/** The run as JSON (the same as the stored file). */
export function exportJson(run: EvalRun): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}

const header = ['suite', 'run', 'model', 'case', 'status', 'kind', 'item', 'passes', 'fails', 'judge_failed', 'item_pass_rate', 'cell_pass_rate', 'mean_ttft_ms', 'mean_total_ms', 'tokens', 'error'];

/** One CSV field: quoted when needed, formula-looking text defused. */
export function csvField(value: string | number): string {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '';
  }
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The run as CSV (RFC 4180, CRLF line ends). A cell with no checks (all attempts failed early) gets one row. */
export function exportCsv(run: EvalRun): string {
  const rows: (string | number)[][] = [header];
  for (const cell of run.cells) {
    const common = [run.suite, run.id, cell.model, cell.caseName, cell.status];
    const tail = [cell.passRate, cell.meanTimeToFirstTokenMs, cell.meanTotalMs, cell.totalTokens, cell.error ?? ''];
    if (cell.items.length === 0) {
      rows.push([...common, '', '', 0, 0, 0, 0, ...tail]);
    }
    for (const item of cell.items) {
      rows.push([...common, item.kind, item.label, item.passes, item.fails, item.judgeFailed, itemPassRate(item), ...tail]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
