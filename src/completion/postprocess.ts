/**
 * Post-processing of a model's raw completion, usable on a growing stream so generation can stop as soon
 * as the completion is complete: cut at special tokens, stop at the end of the line (single-line mode) or
 * of the block (bracket balance, dedent, blank line), drop text that repeats the code after the cursor,
 * trim trailing whitespace, and convert to the document's indentation and line endings.
 * Pure: no `vscode` import.
 */
import { detachedSlice } from './reuse';
import { specialTokenCut } from './templates';
import type { FimFamily } from './templates';

/** `line`: complete the current line (or the next one, at the end of a finished line); `block`: several lines. */
export type CompletionMode = 'line' | 'block';

/** The `completion.multiline` setting. */
export type MultilineSetting = 'auto' | 'always' | 'never';

/** What post-processing needs to know about the cursor's surroundings. */
export interface PostprocessContext {
  readonly languageId: string;
  readonly mode: CompletionMode;
  /** The cursor's line, before the cursor. */
  readonly linePrefix: string;
  /** The cursor's line, after the cursor. */
  readonly lineSuffix: string;
  /** The first non-blank line below the cursor's line ('' when none). */
  readonly nextLine: string;
  /** The start of the text after the cursor (a few hundred characters are enough). */
  readonly suffixHead: string;
  readonly family: FimFamily | undefined;
  readonly indent: { readonly useTabs: boolean; readonly size: number };
  readonly lineEnding: '\n' | '\r\n';
  /** Upper bound on lines in block mode. */
  readonly maxLines: number;
  /**
   * `firstLine`: a single-line position whose generation goes on for a few more lines (a "hot streak"):
   * only the first line is shown, the rest waits for the user to type through to it.
   */
  readonly display: 'all' | 'firstLine';
}

/** The result of processing the text received so far. */
export interface Processed {
  /** Accepted text with `\n` line endings (trimmed only when final). */
  readonly text: string;
  /** True when nothing more may be appended: the stream can stop. */
  readonly complete: boolean;
  /** Why it ended (or what was removed), for the attempt log. */
  readonly why: string;
}

interface LanguageSyntax {
  readonly lineComments: readonly string[];
  readonly blockComment: readonly [string, string] | undefined;
  /** Quote characters that open a string ending on the same line. */
  readonly quotes: string;
  /** Quote characters whose strings span lines (template literals, Go raw strings). */
  readonly multilineQuotes: string;
  /** `:` at the end of a line opens a block (Python). */
  readonly colonOpensBlock: boolean;
}

const cLike: LanguageSyntax = { lineComments: ['//'], blockComment: ['/*', '*/'], quotes: `"'`, multilineQuotes: '', colonOpensBlock: false };
const syntaxes: Readonly<Record<string, LanguageSyntax>> = {
  typescript: { ...cLike, multilineQuotes: '`' },
  typescriptreact: { ...cLike, multilineQuotes: '`' },
  javascript: { ...cLike, multilineQuotes: '`' },
  javascriptreact: { ...cLike, multilineQuotes: '`' },
  go: { ...cLike, multilineQuotes: '`' },
  // `'a` is a lifetime, not a string.
  rust: { ...cLike, quotes: '"' },
  python: { lineComments: ['#'], blockComment: undefined, quotes: `"'`, multilineQuotes: '', colonOpensBlock: true },
  shellscript: { lineComments: ['#'], blockComment: undefined, quotes: `"'`, multilineQuotes: '', colonOpensBlock: false },
  ruby: { lineComments: ['#'], blockComment: undefined, quotes: `"'`, multilineQuotes: '', colonOpensBlock: false },
  yaml: { lineComments: ['#'], blockComment: undefined, quotes: `"'`, multilineQuotes: '', colonOpensBlock: true },
};

function syntaxFor(languageId: string): LanguageSyntax {
  return syntaxes[languageId] ?? cLike;
}

const openers = '([{';
const closers = ')]}';

/** Bracket and string state carried from one line of a completion to the next. */
class BracketScanner {
  readonly stack: string[] = [];
  private quote: string | undefined;
  private inBlockComment = false;

  constructor(private readonly syntax: LanguageSyntax) {}

  get depth(): number {
    return this.stack.length;
  }

  /** Scans one line; returns the offsets of closers that match no opener of the completion. */
  scanLine(line: string): number[] {
    const unmatched: number[] = [];
    const { syntax } = this;
    if (this.quote !== undefined && !syntax.multilineQuotes.includes(this.quote)) {
      this.quote = undefined;
    }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i] ?? '';
      if (this.inBlockComment) {
        if (syntax.blockComment !== undefined && line.startsWith(syntax.blockComment[1], i)) {
          this.inBlockComment = false;
          i += syntax.blockComment[1].length - 1;
        }
        continue;
      }
      if (this.quote !== undefined) {
        if (ch === '\\') {
          i++;
        } else if (ch === this.quote) {
          this.quote = undefined;
        }
        continue;
      }
      if (syntax.lineComments.some((c) => line.startsWith(c, i))) {
        break;
      }
      if (syntax.blockComment !== undefined && line.startsWith(syntax.blockComment[0], i)) {
        this.inBlockComment = true;
        i += syntax.blockComment[0].length - 1;
        continue;
      }
      if (syntax.quotes.includes(ch) || syntax.multilineQuotes.includes(ch)) {
        this.quote = ch;
        continue;
      }
      const open = openers.indexOf(ch);
      if (open >= 0) {
        this.stack.push(closers[open] ?? '');
        continue;
      }
      if (closers.includes(ch)) {
        if (this.stack.length > 0 && this.stack[this.stack.length - 1] === ch) {
          this.stack.pop();
        } else if (this.stack.length === 0) {
          unmatched.push(i);
        } else {
          // A mismatched closer: the model lost track; treat it as closing the innermost bracket.
          this.stack.pop();
        }
      }
    }
    return unmatched;
  }
}

/** Width of a line's leading whitespace, tabs counting `tabSize`. */
export function indentWidth(line: string, tabSize: number): number {
  let width = 0;
  for (const ch of line) {
    if (ch === ' ') {
      width += 1;
    } else if (ch === '\t') {
      width += tabSize;
    } else {
      break;
    }
  }
  return width;
}

/**
 * Single-line or multiline, from the cursor's surroundings: mid-line → line; after a block opener
 * (`{`, `(`, `[`, `=>`, Python's `:`), or on an empty line (e.g. an empty function body) → block;
 * at the end of a finished statement → line (which may be the next line). The setting can force either.
 */
export function decideMode(linePrefix: string, lineSuffix: string, languageId: string, setting: MultilineSetting): CompletionMode {
  if (setting === 'never') {
    return 'line';
  }
  if (setting === 'always') {
    return 'block';
  }
  if (lineSuffix.trim() !== '') {
    return 'line';
  }
  const before = linePrefix.trimEnd();
  if (before === '') {
    return 'block';
  }
  if (/[{([]$/.test(before) || before.endsWith('=>')) {
    return 'block';
  }
  if (syntaxFor(languageId).colonOpensBlock && before.endsWith(':')) {
    return 'block';
  }
  return 'line';
}

/** Builds the post-processing context from the document and cursor. */
export function postprocessContext(
  text: string,
  offset: number,
  options: {
    readonly languageId: string;
    readonly multiline: MultilineSetting;
    readonly family: FimFamily | undefined;
    readonly indent: { readonly useTabs: boolean; readonly size: number };
    readonly lineEnding: '\n' | '\r\n';
    readonly maxLines?: number;
    /** Extra lines generated past a finished line (shown one at a time as the user types on). Default 0. */
    readonly hotStreakLines?: number;
  },
): PostprocessContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) {
    lineEnd = text.length;
  }
  const linePrefix = detachedSlice(text, lineStart, offset);
  const lineSuffix = detachedSlice(text, offset, lineEnd).replace(/\r$/, '');
  let nextLine = '';
  let at = lineEnd + 1;
  // The first non-blank line below, looking at most 20 lines down.
  for (let n = 0; n < 20 && at <= text.length && lineEnd < text.length; n++) {
    let end = text.indexOf('\n', at);
    if (end < 0) {
      end = text.length;
    }
    const candidate = detachedSlice(text, at, end).replace(/\r$/, '');
    if (candidate.trim() !== '') {
      nextLine = candidate;
      break;
    }
    at = end + 1;
  }
  const mode = decideMode(linePrefix, lineSuffix, options.languageId, options.multiline);
  const hot = options.hotStreakLines ?? 0;
  // At the end of a finished line, generate the next lines too but show one at a time.
  const streak = hot > 0 && mode === 'line' && lineSuffix.trim() === '' && options.multiline !== 'never';
  return {
    languageId: options.languageId,
    mode: streak ? 'block' : mode,
    display: streak ? 'firstLine' : 'all',
    linePrefix,
    lineSuffix,
    nextLine,
    suffixHead: detachedSlice(text, offset, offset + 400).replace(/\r\n/g, '\n'),
    family: options.family,
    indent: options.indent,
    lineEnding: options.lineEnding,
    maxLines: streak ? hot + 2 : (options.maxLines ?? 20),
  };
}

/**
 * The first line of a suggestion as shown in single-line display: up to the end of the first line with
 * content (leading blank lines included), trailing whitespace trimmed. `complete` is false when that line
 * has not ended yet in a text still streaming.
 */
export function firstLineOf(text: string, finished: boolean): { readonly line: string; readonly complete: boolean } {
  let from = 0;
  for (;;) {
    const end = text.indexOf('\n', from);
    if (end < 0) {
      return { line: text.trimEnd(), complete: finished };
    }
    const content = text.slice(from, end).replace(/\r$/, '');
    if (content.trim() !== '') {
      return { line: text.slice(0, end).replace(/\r$/, '').trimEnd(), complete: true };
    }
    from = end + 1;
  }
}

/**
 * Processes the raw text received so far. With `final` false, the result is the accepted text so far
 * (untrimmed) and whether the completion is already complete; with `final` true, the finished text.
 */
export function processCompletion(raw: string, ctx: PostprocessContext, final: boolean): Processed {
  let text = raw.replace(/\r\n?/g, '\n');
  let complete = false;
  let why = '';
  const cut = specialTokenCut(text, ctx.family, final);
  if (cut < text.length) {
    // A control token ends the completion (a trailing fragment of one is only cut when final).
    complete = true;
    text = text.slice(0, cut);
    why = 'stopped at a special token';
  }
  const ended = final || complete;
  const lines = text.split('\n');
  const out: string[] = [];
  const scanner = new BracketScanner(syntaxFor(ctx.languageId));
  // In a hot streak, closing a bracket the cursor's own line opened (`| { kind: 'x' }`, `f(a, b)`) ends that
  // line's statement, not the enclosing block: the streak goes on with the next lines.
  let cursorLineOpeners = 0;
  if (ctx.display === 'firstLine') {
    const prefixScanner = new BracketScanner(syntaxFor(ctx.languageId));
    prefixScanner.scanLine(ctx.linePrefix);
    cursorLineOpeners = prefixScanner.depth;
  }
  const tab = ctx.indent.size;
  const lineRest = ctx.lineSuffix.trim();
  const cursorLineHasText = ctx.linePrefix.trim() !== '';
  let baseIndent: number | undefined;
  let contentSeen = false;
  let closedOuter = false;
  // The previous line has ended (a newline arrived) but the new one is not accepted yet.
  let waitingOnNewLine = false;
  const stop = (reason: string): void => {
    complete = true;
    why = reason;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineComplete = i < lines.length - 1 || ended;
    if (i > 0) {
      if (ctx.mode === 'line' && (contentSeen || lineRest !== '')) {
        stop('end of line');
        break;
      }
      if (closedOuter && ctx.mode === 'block') {
        stop('statement closed');
        break;
      }
      if (line.trim() === '') {
        if (!lineComplete) {
          waitingOnNewLine = true;
          break;
        }
        if (contentSeen && scanner.depth === 0 && ctx.mode === 'block') {
          stop('blank line after a complete block');
          break;
        }
        out.push(line);
        continue;
      }
      const indent = indentWidth(line, tab);
      // A line opening with a closer is judged by the bracket rules below, not by its indentation.
      const opensWithCloser = closers.includes(line.trimStart()[0] ?? '');
      if (baseIndent !== undefined && scanner.depth === 0 && indent < baseIndent && contentSeen && !opensWithCloser) {
        stop('block ended (dedent)');
        break;
      }
      baseIndent ??= indent;
      // Only at depth 0: inside a block the completion opened, a `}` closes that block, not the one below.
      if (scanner.depth === 0 && ctx.nextLine.trim() !== '' && line.trim() === ctx.nextLine.trim() && lineComplete) {
        stop('repeats the line below');
        break;
      }
      if (scanner.depth === 0 && !opensWithCloser && ctx.nextLine.trim() !== '' && !lineComplete && ctx.nextLine.trim().startsWith(line.trim())) {
        // Could become a copy of the line below: wait for the rest of it.
        waitingOnNewLine = true;
        break;
      }
    }
    const unmatched = scanner.scanLine(line);
    const first = unmatched[0];
    if (first !== undefined) {
      const closer = line[first] ?? '';
      if (i === 0 && lineRest.startsWith(closer)) {
        out.push(line.slice(0, first));
        contentSeen ||= line.slice(0, first).trim() !== '';
        stop('the code after the cursor closes the bracket');
        break;
      }
      if (i > 0 && line.slice(0, first).trim() === '') {
        // A line opening with a closer ends the enclosing block. Keep it only if the code below lacks it.
        if (ctx.nextLine.trim().startsWith(closer)) {
          stop('the block closes (the code below already has the closer)');
          break;
        }
        if (lineComplete) {
          out.push(line);
          stop('the block closes');
          break;
        }
        out.push(line);
        break;
      }
      closedOuter ||= i > 0 || unmatched.length > cursorLineOpeners;
    }
    out.push(line);
    if (line.trim() !== '') {
      if (i === 0 && baseIndent === undefined && cursorLineHasText === false) {
        baseIndent = indentWidth(ctx.linePrefix, tab);
      }
      contentSeen = true;
    }
    if (ctx.mode === 'block' && out.length >= ctx.maxLines && lineComplete) {
      stop('line limit');
      break;
    }
  }

  if (!final) {
    return { text: out.join('\n') + (waitingOnNewLine && !complete ? '\n' : ''), complete, why };
  }
  return finalize(out, ctx, why);
}

function finalize(lines: string[], ctx: PostprocessContext, reason: string): Processed {
  let why = reason;
  const out = lines.map((l) => l.trimEnd());
  while (out.length > 1 && (out[out.length - 1] ?? '').trim() === '') {
    out.pop();
  }
  let text = out.join('\n');
  const lineRest = ctx.lineSuffix.trim();
  if (out.length === 1 && lineRest !== '') {
    // The model re-typed the rest of the line: keep only what comes before it.
    const first = out[0] ?? '';
    for (let k = lineRest.length; k > 0; k--) {
      if (first.endsWith(lineRest.slice(0, k)) && first.length > k) {
        text = first.slice(0, first.length - k).trimEnd();
        why = 'removed a repeat of the text after the cursor';
        break;
      }
    }
  }
  if (text.trim() === '') {
    return { text: '', complete: true, why: why || 'only whitespace' };
  }
  const suffixStart = ctx.suffixHead.trimStart();
  const core = text.trim();
  if (suffixStart.startsWith(core)) {
    return { text: '', complete: true, why: 'repeats the code after the cursor' };
  }
  return { text, complete: true, why };
}

/** Converts accepted text (`\n` endings) to the document's indentation style and line endings. */
export function toDocumentForm(text: string, indent: { readonly useTabs: boolean; readonly size: number }, lineEnding: '\n' | '\r\n'): string {
  const size = Math.max(1, indent.size);
  const lines = text.split('\n').map((line, i) => {
    if (i === 0) {
      return line;
    }
    const match = /^[ \t]*/.exec(line);
    const ws = match?.[0] ?? '';
    if (ws === '') {
      return line;
    }
    const width = indentWidth(ws, size);
    const rebuilt = indent.useTabs ? '\t'.repeat(Math.floor(width / size)) + ' '.repeat(width % size) : ' '.repeat(width);
    return rebuilt + line.slice(ws.length);
  });
  return lines.join(lineEnding);
}

/** Feeds a generation stream through post-processing; tells when the completion is complete. */
export class CompletionStream {
  private raw = '';
  private last: Processed = { text: '', complete: false, why: '' };

  constructor(readonly context: PostprocessContext) {}

  /** Appends a chunk; returns true when the completion is complete (stop reading the stream). */
  push(chunk: string): boolean {
    this.raw += chunk;
    this.last = processCompletion(this.raw, this.context, false);
    return this.last.complete;
  }

  /** True once complete. */
  get complete(): boolean {
    return this.last.complete;
  }

  /** The accepted text so far, with `\n` endings and untrimmed: what typed-through checks compare against. */
  get partial(): string {
    return this.last.text;
  }

  /** Everything received, unprocessed. */
  get received(): string {
    return this.raw;
  }

  /** The finished completion in document form, and why it ended. */
  finish(): { readonly text: string; readonly lfText: string; readonly why: string } {
    const done = processCompletion(this.raw, this.context, true);
    return { text: toDocumentForm(done.text, this.context.indent, this.context.lineEnding), lfText: done.text, why: done.why };
  }
}
