/**
 * Every webview Tiered shows has a strict CSP: nothing by default, no 'unsafe-inline' or 'unsafe-eval', and every
 * script and style element carries the page's nonce. The pages are built by pure functions; a scan of src/ makes
 * sure a new webview cannot appear without being listed (and so checked) here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chatHtml } from '../../../src/providers/chat/chatHtml';
import { findingsHtml, findingsPanelCommands } from '../../../src/providers/explainReview/findingsHtml';
import { benchmarkHtml } from '../../../src/providers/onboarding/benchmarkHtml';
import { resultsHtml } from '../../../src/providers/evaluation/resultsHtml';
import { summarizeCell } from '../../../src/evaluation/results';
import { suggestMapping } from '../../../src/evaluation/suggest';
import type { EvalRun } from '../../../src/evaluation/results';
import { commandIds } from '../../../src/providers/commands/commandIds';
import type { GroundedFinding } from '../../../src/review/findings';

const hostile = `<script>alert(1)</script><img src=x onerror="alert(2)"> ' " &`;

const finding: GroundedFinding = {
  severity: 'high',
  category: 'bug',
  explanation: `off by one ${hostile}`,
  replacement: 'fixed()',
  quote: 'broken()',
  matchedText: `broken(${hostile})`,
  location: { startLine: 3, endLine: 3, startOffset: 0, endOffset: 8 },
  placement: 'exact',
  claimedStartLine: 3,
  claimedEndLine: 3,
};

const evalRun: EvalRun = {
  version: 1,
  id: 'r1',
  suite: `suite ${hostile}`,
  task: 'review',
  startedAt: '2026-12-07T10:00:00.000Z',
  status: 'finished',
  models: [`m${hostile}`],
  cases: [`c${hostile}`],
  repeats: 1,
  cells: [
    summarizeCell(`c${hostile}`, `m${hostile}`, [
      { answer: hostile, checks: [{ label: hostile, pass: false, detail: hostile }], verdicts: [{ criterion: hostile, status: 'fail', reason: hostile }], judge: hostile, timeToFirstTokenMs: 5, totalMs: 9, promptTokens: 1, generatedTokens: 1 },
    ]),
  ],
};

/** Each webview's page, by the source file that creates the webview. */
const pages: Readonly<Record<string, (nonce: string) => string>> = {
  'src/providers/chat/chatViewProvider.ts': (nonce) => chatHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/chat.js', styleUri: 'https://x/chat.css', nonce }),
  'src/providers/explainReview/findingsPanel.ts': (nonce) =>
    findingsHtml({
      uri: 'file:///w/a.ts',
      record: { where: `a.ts ${hostile}`, badge: 'moe tier', reasons: [hostile], summary: hostile, modelSummary: hostile, notes: [hostile], outcome: 'review' },
      findings: [{ id: 'f1', finding, line: 2, fix: `fixed(${hostile})` }],
      nonce,
    }),
  'src/providers/evaluation/resultsPanel.ts': (nonce) =>
    resultsHtml({ suites: [{ run: evalRun }], suggestion: suggestMapping([evalRun], { tiers: { small: '', code: '', moe: '' }, pins: {} }, { minPassRate: 0 }), applyToken: 'tok12345', unreadable: [hostile], nonce }),
  'src/providers/onboarding/benchmarkPanel.ts': (nonce) =>
    benchmarkHtml(
      [
        { tier: 'code', endpointId: 'ollama', model: `m${hostile}`, loadMs: 10, short: { timeToFirstTokenMs: 50, tokensPerSecond: 20, promptTokens: 12, generatedTokens: 30 }, long: undefined, at: 0 },
        { tier: 'small', endpointId: 'ollama', model: 'x', loadMs: 0, short: undefined, long: undefined, error: hostile, at: 0 },
      ],
      0,
      nonce,
    ),
};

function cspOf(html: string): Map<string, string> {
  const metas = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/g)];
  assert.equal(metas.length, 1, 'exactly one CSP meta element');
  const csp = (metas[0]?.[1] ?? '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter((d) => d !== '')
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

suite('every webview has a strict CSP with a nonce', () => {
  const root = path.resolve(__dirname, '../../..');

  test('every file that creates a webview is listed here (so its page is checked below)', () => {
    const creators = sourceFiles(path.join(root, 'src'))
      .filter((f) => /createWebviewPanel|registerWebviewViewProvider|createWebviewView|\.html\s*=[^=]/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f).split(path.sep).join('/'))
      .sort();
    assert.ok(creators.length >= 3, `found the webviews: ${creators.join(', ')}`);
    assert.deepEqual(creators, Object.keys(pages).sort());
  });

  for (const [file, page] of Object.entries(pages)) {
    test(`${file}: default-src 'none', no unsafe-inline/eval, nonce on every script and style`, () => {
      const nonce = 'N0nce+/=';
      const html = page(nonce);
      const csp = cspOf(html);
      assert.equal(csp.get('default-src'), "'none'");
      for (const [directive, value] of csp) {
        assert.doesNotMatch(value, /unsafe-inline|unsafe-eval|unsafe-hashes|(^|\s)\*($|\s)|(^|\s)https?:($|\s)/, `${directive} ${value}`);
      }
      for (const directive of ['script-src', 'style-src']) {
        assert.doesNotMatch(csp.get(directive) ?? '', /data:|blob:/, `${directive} allows no data: or blob: code`);
      }
      const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)];
      if (scripts.length > 0) {
        assert.equal(csp.get('script-src'), `'nonce-${nonce}'`);
      } else {
        assert.equal(csp.get('script-src'), undefined, 'no scripts, so no script-src beyond default none');
      }
      for (const s of scripts) {
        assert.match(s[1] ?? '', new RegExp(`\\snonce="${nonce.replace(/[+/=]/g, '\\$&')}"`), 'script carries the nonce');
      }
      const styles = [...html.matchAll(/<style\b([^>]*)>/gi)];
      for (const s of styles) {
        assert.match(s[1] ?? '', new RegExp(`\\snonce="${nonce.replace(/[+/=]/g, '\\$&')}"`), 'style element carries the nonce');
      }
      if (styles.length > 0) {
        assert.ok((csp.get('style-src') ?? '').split(' ').includes(`'nonce-${nonce}'`), 'style-src allows the nonce');
      }
      // Inline style attributes and event handlers need 'unsafe-inline'; none may appear (hostile text included).
      assert.doesNotMatch(html, /<[^>]+\sstyle\s*=/i);
      assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i);
      assert.doesNotMatch(html, /<script>alert|<img src=x/);
    });
  }

  test('the findings panel links only to the commands on its allow-list', () => {
    const html = pages['src/providers/explainReview/findingsPanel.ts']?.('n') ?? '';
    const commands = [...html.matchAll(/href="command:([^?"]+)/g)].map((m) => m[1]);
    assert.ok(commands.length >= 4);
    for (const c of commands) {
      assert.ok(c !== undefined && findingsPanelCommands.includes(c), `${c} is allowed`);
    }
    assert.deepEqual([...findingsPanelCommands].sort(), [commandIds.reviewApplyFix, commandIds.reviewAskAboutFinding, commandIds.reviewDismissFinding, commandIds.reviewShowFinding].sort());
    assert.match(fs.readFileSync(path.join(__dirname, '../../../src/providers/explainReview/findingsPanel.ts'), 'utf8'), /enableCommandUris: findingsPanelCommands/);
  });
});
