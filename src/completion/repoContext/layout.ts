/**
 * Repository context laid out the way each model family was trained to read other files, always before
 * the current file's prefix (so consecutive requests share it as their prompt's start):
 * - Qwen2.5-Coder: `<|repo_name|>name` then `<|file_sep|>path\ncode` per file, then the current file's
 *   `<|file_sep|>path` and its FIM block.
 * - StarCoder2: `<repo_name>name<file_sep>path\ncode…<file_sep><fim_prefix>path\nprefix<fim_suffix>…`.
 * - DeepSeek-Coder: each file as a path comment and its code, inside the FIM block before the prefix.
 * - Other families, and servers that build the FIM prompt themselves from `prompt` + `suffix` (Ollama's
 *   native insert): a commented block per snippet in the current file's comment syntax before the prefix.
 * - llama-server `/infill`: `input_extra` [{filename, text}]; the server formats it for its model.
 * Pure: no `vscode` import.
 */
import type { BackendKind, ExtraFile } from '../../backend/types';
import { fimTemplates } from '../templates';
import type { FimFamily } from '../templates';
import type { ChosenContext } from './types';

/** The current file, as the layouts name it. */
export interface CurrentFile {
  /** Workspace-relative path. */
  readonly path: string;
  readonly languageId: string;
  /** The workspace folder's name (Qwen's and StarCoder2's `repo_name`). */
  readonly repoName: string;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The context laid out for one request (see the module comment). */
export interface LaidOutContext {
  /** Raw prompts: text before the family's FIM sentinels (Qwen's and StarCoder2's repository header). */
  readonly rawHead: string;
  /** Text right before the file's own prefix, inside the FIM block (raw) or at the start of `prompt` (Ollama native). */
  readonly layoutPrefix: string;
  /** llama-server `/infill` `input_extra`. */
  readonly extraFiles: readonly ExtraFile[];
}

/** How the request carrying the context is sent. */
export interface LayoutTarget {
  readonly family: FimFamily | undefined;
  /** `raw`: Tiered writes the sentinels; `native`: the server does (Ollama `suffix`, llama-server `/infill`). */
  readonly promptKind: 'raw' | 'native';
  /** `openai` native requests go to `/infill`, which takes `input_extra`; the others carry the context in the prefix. */
  readonly backendKind: BackendKind;
}

/** Lays out the chosen snippets for a model family and request kind. No snippets: nothing at all. */
export function layOutContext(context: ChosenContext, file: CurrentFile, target: LayoutTarget): LaidOutContext {
  const none: LaidOutContext = { rawHead: '', layoutPrefix: '', extraFiles: [] };
  const snippets = context.snippets;
  if (snippets.length === 0) {
    return none;
  }
  if (target.promptKind === 'native' && target.backendKind === 'openai') {
    return { ...none, extraFiles: snippets.map((s) => ({ filename: s.path, text: withNewline(s.text) })) };
  }
  if (target.family === 'deepseek') {
    // DeepSeek-Coder read repositories as files headed by a path comment, inside the FIM block.
    const marker = lineComment(file.languageId);
    return { ...none, layoutPrefix: `${snippets.map((s) => `${marker} ${s.path}\n${withNewline(s.text)}`).join('')}${marker} ${file.path}\n` };
  }
  if (target.promptKind === 'raw' && target.family === 'qwen') {
    return { ...none, rawHead: `<|repo_name|>${file.repoName}\n${snippets.map((s) => `<|file_sep|>${s.path}\n${withNewline(s.text)}`).join('')}<|file_sep|>${file.path}\n` };
  }
  if (target.promptKind === 'raw' && target.family === 'starcoder') {
    return { ...none, rawHead: `<repo_name>${file.repoName}${snippets.map((s) => `<file_sep>${s.path}\n${withNewline(s.text)}`).join('')}<file_sep>`, layoutPrefix: `${file.path}\n` };
  }
  // Native Ollama prompts sit inside the server's own FIM template: sentinels of ours would be out of place there.
  return { ...none, layoutPrefix: commentedContext(context, file.languageId) };
}

/** The whole raw prompt of a family with the context laid out (the pipeline builds the same from the parts). */
export function rawPromptWithContext(family: FimFamily, context: ChosenContext, file: CurrentFile, prefix: string, suffix: string): string {
  const laid = layOutContext(context, file, { family, promptKind: 'raw', backendKind: 'ollama' });
  return laid.rawHead + fimTemplates[family].build(laid.layoutPrefix + prefix, suffix);
}

/**
 * The context as commented blocks in the current file's comment syntax, one per snippet, ending with a
 * newline; empty for no snippets. Put before the prefix when the server builds the FIM prompt itself.
 */
export function commentedContext(context: ChosenContext, languageId: string): string {
  if (context.snippets.length === 0) {
    return '';
  }
  const syntax = commentSyntax(languageId);
  return context.snippets.map((s) => commentBlock(`Path: ${s.path}\n${s.text}`, syntax)).join('');
}

/** How a language writes comments. */
export type CommentSyntax = { readonly line: string } | { readonly open: string; readonly close: string };

const hashComment = new Set(['python', 'shellscript', 'ruby', 'perl', 'r', 'yaml', 'toml', 'dockerfile', 'makefile', 'powershell', 'coffeescript', 'julia', 'elixir', 'nim', 'crystal', 'properties', 'cmake', 'graphql', 'terraform', 'nix']);
const dashComment = new Set(['sql', 'lua', 'haskell', 'elm', 'ada', 'vhdl']);
const semicolonComment = new Set(['clojure', 'lisp', 'scheme', 'racket', 'ini']);
const percentComment = new Set(['erlang', 'latex', 'tex', 'matlab', 'prolog']);
const blockComment = new Map<string, { open: string; close: string }>([
  ['css', { open: '/*', close: '*/' }],
  ['scss', { open: '/*', close: '*/' }],
  ['less', { open: '/*', close: '*/' }],
  ['html', { open: '<!--', close: '-->' }],
  ['xml', { open: '<!--', close: '-->' }],
  ['markdown', { open: '<!--', close: '-->' }],
  ['vue-html', { open: '<!--', close: '-->' }],
  ['ocaml', { open: '(*', close: '*)' }],
  ['fsharp', { open: '(*', close: '*)' }],
]);

/** The comment syntax of a VS Code language id (`//` unless known otherwise). */
export function commentSyntax(languageId: string): CommentSyntax {
  if (hashComment.has(languageId)) {
    return { line: '#' };
  }
  if (dashComment.has(languageId)) {
    return { line: '--' };
  }
  if (semicolonComment.has(languageId)) {
    return { line: ';' };
  }
  if (percentComment.has(languageId)) {
    return { line: '%' };
  }
  return blockComment.get(languageId) ?? { line: '//' };
}

/** The line-comment marker for path headers (the block opener when the language has no line comments). */
export function lineComment(languageId: string): string {
  const syntax = commentSyntax(languageId);
  return 'line' in syntax ? syntax.line : syntax.open;
}

/** Text as a comment: every line commented, or one block whose closing marker cannot occur inside. */
export function commentBlock(text: string, syntax: CommentSyntax): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  if ('line' in syntax) {
    return lines.map((l) => (l === '' ? syntax.line : `${syntax.line} ${l}`)).join('\n') + '\n';
  }
  // A closing marker inside the snippet would end the comment early: break it with a space.
  const broken = lines.map((l) => l.split(syntax.close).join(`${syntax.close.slice(0, 1)} ${syntax.close.slice(1)}`));
  return `${syntax.open}\n${broken.join('\n')}\n${syntax.close}\n`;
}
