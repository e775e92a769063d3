/**
 * Retrieval quality of the workspace index on a real codebase nobody here wrote: express 4.21.2 with body-parser,
 * send and serve-static (bench/corpus/express-stack, MIT), and 77 questions written by reading that code, each
 * labelled with the function(s) that answer it (bench/corpus/express-stack/questions.json); ajv's sources
 * (bench/corpus/ajv) are indexed alongside as distractors, so the answers are a tenth of the code. A question counts as
 * found at k when one of the first k chunks overlaps an answer's lines.
 *
 * Measured: recall@5 and recall@10, lexical only (BM25), with the product's chunker (tree-sitter) and, as the
 * baseline, with plain line windows. Hybrid (BM25 + embeddings) is not measured: no embedding model can run on this
 * machine (no weights can be downloaded; the real-engine tier's tiny GGUF has random weights, whose vectors rank
 * chunks at random), so a hybrid figure here would measure nothing. Writes bench/results/index-retrieval.json.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Exclusions } from '../src/index/exclusions';
import { IndexStore } from '../src/index/indexStore';
import { Throttle } from '../src/index/throttle';
import { TreeSitterGrammars } from '../src/index/treeSitter';
import type { SearchHit } from '../src/index/types';
import { WorkspaceIndex } from '../src/index/workspaceIndex';

interface Answer {
  readonly file: string;
  readonly startLine: number;
  readonly endLine: number;
}
interface Question {
  readonly question: string;
  readonly answers: readonly Answer[];
}

const repoRoot = path.join(__dirname, '..');
const corpus = path.join(repoRoot, 'bench', 'corpus', 'express-stack');
const questions: Question[] = (JSON.parse(readFileSync(path.join(corpus, 'questions.json'), 'utf8')) as { questions: Question[] }).questions;

/** Distractors: another vendored codebase (ajv's TypeScript sources) indexed alongside, so the search space is ~10× the answers' code. */
const distractors = path.join(repoRoot, 'bench', 'corpus', 'ajv');

/** Copies a corpus into `to`, `*.js.txt`/`*.ts.txt` back to `*.js`/`*.ts` (stored as .txt so the project's lint ignores them). */
function materialise(from: string, to: string): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const source = path.join(dir, name);
      if (statSync(source).isDirectory()) {
        walk(source);
      } else if (/\.(js|ts)\.txt$/.test(name)) {
        const target = path.join(to, path.relative(from, source)).replace(/\.txt$/, '');
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(source, target);
      }
    }
  };
  walk(from);
}

const overlaps = (hit: SearchHit, a: Answer): boolean => hit.path === a.file && hit.startLine <= a.endLine && hit.endLine >= a.startLine;

async function measure(root: string, grammars: TreeSitterGrammars | undefined): Promise<{ recallAt5: number; recallAt10: number; mrr: number; chunks: number; missed: string[] }> {
  const storage = mkdtempSync(path.join(tmpdir(), 'tiered-index-quality-store-'));
  try {
    const index = new WorkspaceIndex({ root, store: new IndexStore(path.join(storage, 'index.jsonl')), exclusions: new Exclusions(root), grammars, throttle: new Throttle({ dutyCycle: 1, sliceMs: 1000 }) });
    await index.build();
    let at5 = 0;
    let at10 = 0;
    let mrr = 0;
    const missed: string[] = [];
    for (const q of questions) {
      const hits = await index.search(q.question, 10);
      const rank = hits.findIndex((h) => q.answers.some((a) => overlaps(h, a)));
      at5 += rank >= 0 && rank < 5 ? 1 : 0;
      at10 += rank >= 0 ? 1 : 0;
      mrr += rank >= 0 ? 1 / (rank + 1) : 0;
      if (rank < 0) {
        missed.push(q.question);
      }
    }
    return { recallAt5: at5 / questions.length, recallAt10: at10 / questions.length, mrr: mrr / questions.length, chunks: index.status().chunks, missed };
  } finally {
    rmSync(storage, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'tiered-index-quality-'));
  const grammars = new TreeSitterGrammars(path.join(repoRoot, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm'));
  try {
    materialise(corpus, root);
    materialise(distractors, path.join(root, 'ajv'));
    const syntax = await measure(root, grammars);
    const windows = await measure(root, undefined);
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    console.log(`${questions.length} questions on express 4.21.2 + body-parser + send + serve-static, indexed together with ajv 8.20.0's sources as distractors`);
    console.log(`lexical (BM25), syntax chunks (${syntax.chunks}): recall@5 ${pct(syntax.recallAt5)}, recall@10 ${pct(syntax.recallAt10)}, MRR ${syntax.mrr.toFixed(3)} [target recall@10 ≥ 75 %]`);
    console.log(`baseline, line-window chunks (${windows.chunks}): recall@5 ${pct(windows.recallAt5)}, recall@10 ${pct(windows.recallAt10)}, MRR ${windows.mrr.toFixed(3)}`);
    console.log('hybrid: not measured (no real embedding model can run here; see the header of this file)');
    if (syntax.missed.length > 0) {
      console.log(`missed at 10 (syntax chunks):\n  ${syntax.missed.join('\n  ')}`);
    }
    mkdirSync(path.join(repoRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(
      path.join(repoRoot, 'bench', 'results', 'index-retrieval.json'),
      `${JSON.stringify({ questions: questions.length, corpus: 'express 4.21.2, body-parser 1.20.3, send 0.19.0, serve-static 1.16.2; distractors: ajv 8.20.0 lib', lexicalSyntaxChunks: syntax, baselineLexicalLineWindows: windows, hybrid: 'not measured: no real embedding model on this machine' }, null, 2)}\n`,
    );
    console.log('wrote bench/results/index-retrieval.json');
  } finally {
    await grammars.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
