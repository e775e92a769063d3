/** The Benchmark Models results page (no `vscode` import, so it is unit-tested). */
import { renderChart, renderTable } from '../../onboarding/benchmark';
import type { BenchmarkResult } from '../../onboarding/benchmark';
import { createNonce } from '../../util/nonce';

/** The results page: no script at all, styles allowed only by nonce. */
export function benchmarkHtml(results: readonly BenchmarkResult[], at: number, nonce = createNonce()): string {
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:;`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tiered: Benchmark</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px; }
table { border-collapse: collapse; margin: 12px 0; }
th, td { border: 1px solid var(--vscode-panel-border); padding: 4px 8px; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr.error td { color: var(--vscode-errorForeground); }
svg text { fill: var(--vscode-foreground); font-size: 12px; }
svg .title { font-weight: bold; }
svg .bar.short { fill: var(--vscode-charts-blue, #3794ff); }
svg .bar.long { fill: var(--vscode-charts-orange, #d18616); }
p.note { color: var(--vscode-descriptionForeground); }
</style></head><body>
<h2>Benchmark — ${new Date(at).toLocaleString()}</h2>
${renderTable(results)}
${renderChart(results)}
<p class="note">Short prompt: one sentence; long prompt: about 1,500 tokens of code. First token excludes model load time, which is shown separately.
The router uses these speeds, for example to keep a model that is too slow away from inline completions.</p>
</body></html>`;
}
