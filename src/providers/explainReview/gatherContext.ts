import * as vscode from 'vscode';
import { gate, withheldNote } from '../../context/exclusionGates';
import { leadingCommentStart } from '../../context/signature';
import { isInImportStatement, referencedIdentifiers, replaceLines, usedImports } from '../../review/codeScan';
import type { IdentifierUse } from '../../review/codeScan';
import { lookUpWithPatience, missingDefinitionsNote } from '../../review/definitionLookup';
import type { LookupAnswer } from '../../review/definitionLookup';
import type { ExcludedFile } from '../shared/sensitiveFileGuard';
import type { SupportingSnippet } from '../../review/prompts';
import { documentLabel, innermostContaining } from './target';
import { definitionsFromIndex } from '../index/indexDefinitions';
import type { CodeTarget } from './target';

/** Supporting context for a target, and how many files it spans (for the router). */
export interface GatheredContext {
  readonly snippets: readonly SupportingSnippet[];
  /** The target's file plus every other file a definition came from. */
  readonly fileCount: number;
  /** Definitions left out because their files are sensitive (a sentence for the notes), if any. */
  readonly withheld?: string;
  /** Definitions of what the code calls or constructs that could not be found (a Context sentence for the notes), if any. */
  readonly missing?: string;
}

/** Lines of an enclosing symbol or definition given to the context engine at most (it trims further by budget). */
const maxSnippetLines = 150;
/** A definition without a full range (a bare Location) is shown with this many lines from its start. */
const definitionWindow = 25;
const maxDefinitions = 6;
/** Language servers can be slow to answer the first time: never wait longer than this per lookup. */
const lookupTimeoutMs = 2500;
/** A language server that is starting (nothing found, or only import lines) is asked again for this long at most. */
const startingPatienceMs = 2500;
/** Languages whose definition provider found nothing after a full wait (none installed): not waited for again. */
const languagesWithoutDefinitions = new Set<string>();

function withTimeout<T>(promise: Thenable<T>, ms: number): Promise<T | undefined> {
  return Promise.race([Promise.resolve(promise).catch(() => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

function capLines(text: string): string {
  const lines = text.split('\n');
  return lines.length <= maxSnippetLines ? text : `${lines.slice(0, maxSnippetLines).join('\n')}\n… [${lines.length - maxSnippetLines} more lines]`;
}

interface DefinitionTarget {
  readonly uri: vscode.Uri;
  readonly range: vscode.Range;
  /** True when the range spans the whole definition (a LocationLink's targetRange). */
  readonly full: boolean;
}

function toDefinition(value: unknown): DefinitionTarget | undefined {
  if (value instanceof vscode.Location) {
    return { uri: value.uri, range: value.range, full: false };
  }
  if (typeof value === 'object' && value !== null && 'targetUri' in value && 'targetRange' in value) {
    const uri = value.targetUri;
    const range = value.targetRange;
    if (uri instanceof vscode.Uri && range instanceof vscode.Range) {
      return { uri, range, full: true };
    }
  }
  return undefined;
}

async function definitionSnippet(use: IdentifierUse, def: DefinitionTarget, source: vscode.TextDocument): Promise<SupportingSnippet | undefined> {
  const name = use.name;
  const doc = def.uri.toString() === source.uri.toString() ? source : await withTimeout(vscode.workspace.openTextDocument(def.uri), lookupTimeoutMs);
  if (doc === undefined) {
    return undefined;
  }
  // With its doc comment: the shortest description of what it promises (and what the layout keeps when short of room).
  const start = leadingCommentStart((i) => (i < doc.lineCount ? doc.lineAt(i).text : undefined), def.range.start.line);
  const end = def.full && def.range.end.line - start < maxSnippetLines ? def.range.end.line : Math.min(doc.lineCount - 1, start + definitionWindow - 1);
  const text = doc.getText(new vscode.Range(start, 0, end, doc.lineAt(end).text.length));
  if (text.trim() === '') {
    return undefined;
  }
  return { kind: 'definition', title: `definition of ${name} (${documentLabel(doc)}:${start + 1})`, text: capLines(text), language: doc.languageId, relation: use.relation };
}

async function definitionsAt(uri: vscode.Uri, position: vscode.Position): Promise<DefinitionTarget[]> {
  const result = await withTimeout(vscode.commands.executeCommand<unknown>('vscode.executeDefinitionProvider', uri, position), lookupTimeoutMs);
  return Array.isArray(result) ? result.map(toDefinition).filter((d) => d !== undefined) : [];
}

/**
 * The definition of the name used at `position`. A location on an import statement of the same file is where the
 * name is brought in (a language server still loading the project answers that): it is followed to the definition
 * it imports, or reported as an import, never kept as a definition.
 */
async function lookUpDefinition(document: vscode.TextDocument, position: vscode.Position): Promise<LookupAnswer<DefinitionTarget>> {
  const lineAt = (i: number): string | undefined => (i < document.lineCount ? document.lineAt(i).text : undefined);
  const isImport = (d: DefinitionTarget): boolean => d.uri.toString() === document.uri.toString() && isInImportStatement(lineAt, d.range.start.line);
  const defs = await definitionsAt(document.uri, position);
  const real = defs.find((d) => !isImport(d));
  if (real !== undefined) {
    return { kind: 'definition', def: real };
  }
  const via = defs[0];
  if (via === undefined) {
    return { kind: 'none' };
  }
  const followed = (await definitionsAt(via.uri, via.range.start)).find((d) => !isImport(d));
  return followed !== undefined ? { kind: 'definition', def: followed } : { kind: 'import' };
}

/**
 * Context for a target from VS Code's providers: the enclosing symbol (when the target is inside a larger one),
 * the import lines the code uses, and the definitions of the symbols it references (outside the target).
 * Definitions in sensitive files (`excluded`) are left out before their files are opened, and said in `withheld`.
 * Never throws; a missing or slow provider just gives less context.
 */
export async function gatherContext(target: CodeTarget, excluded: (uri: vscode.Uri) => ExcludedFile | undefined): Promise<GatheredContext> {
  const { document, range } = target;
  const snippets: SupportingSnippet[] = [];
  const files = new Set<string>([document.uri.toString()]);

  const enclosing = innermostContaining(target.symbols, range, undefined, true);
  if (enclosing !== undefined && !enclosing.range.isEqual(range)) {
    // The selected lines are sent once, as the selection: here a marker stands where they are.
    const first = range.start.line - enclosing.range.start.line;
    const last = (range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line) - enclosing.range.start.line;
    const marker = first === last ? `… selected line ${range.start.line + 1} (shown below) …` : `… selected lines ${range.start.line + 1}–${last + enclosing.range.start.line + 1} (shown below) …`;
    snippets.push({
      kind: 'enclosingSymbol',
      title: `enclosing ${vscode.SymbolKind[enclosing.kind].toLowerCase()} ${enclosing.name} (${target.code.path}:${enclosing.range.start.line + 1})`,
      text: capLines(replaceLines(document.getText(enclosing.range), first, last, marker)),
      language: document.languageId,
    });
  }

  const imports = usedImports(document.getText(), target.code.text);
  if (imports.length > 0 && range.start.line > 0) {
    snippets.push({ kind: 'imports', title: `imports used (${target.code.path})`, text: imports.join('\n'), language: document.languageId });
  }

  const baseOffset = document.offsetAt(range.start);
  const ids = referencedIdentifiers(target.code.text, maxDefinitions * 2);
  // A language whose server found nothing after a full wait has no definition provider: do not wait for it again.
  const patient = !languagesWithoutDefinitions.has(document.languageId);
  const looked = await lookUpWithPatience(ids, (id) => lookUpDefinition(document, document.positionAt(baseOffset + id.offset)), {
    patienceMs: patient ? startingPatienceMs : 0,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
  if (looked.found.size > 0) {
    languagesWithoutDefinitions.delete(document.languageId);
  } else if (patient && ids.length > 0 && looked.waitedMs >= startingPatienceMs / 2) {
    languagesWithoutDefinitions.add(document.languageId);
  }
  const lookups = ids.map((id) => {
    const def = looked.found.get(id);
    return def === undefined ? undefined : { name: id.name, use: id, def };
  });
  // The target's own document was chosen by the user (and confirmed if sensitive); any other excluded file is never read.
  const allowed = gate(
    lookups.filter((l) => l !== undefined),
    (l) => l.def.uri.toString(),
    (uri) => excluded(vscode.Uri.parse(uri))?.exclusion,
    (l) => l.def.uri.toString() === document.uri.toString(),
  );
  const withheld = withheldNote(
    allowed.withheld.map((w) => ({ ...w, path: vscode.workspace.asRelativePath(w.item.def.uri, false) })),
    'Definitions left out',
  );
  const seen = new Set<string>();
  let added = 0;
  for (const found of allowed.kept) {
    if (added >= maxDefinitions) {
      continue;
    }
    const { def } = found;
    const sameDoc = def.uri.toString() === document.uri.toString();
    // Defined inside the target or its enclosing symbol: already in the prompt.
    if (sameDoc && (range.contains(def.range) || (enclosing !== undefined && enclosing.range.contains(def.range)))) {
      continue;
    }
    // The language's own library (lib.es5.d.ts, typeshed stubs…) is known to every model: not worth the room.
    if (/\/node_modules\/typescript\/lib\/|\/typeshed\/|\/stdlib\//.test(def.uri.path)) {
      continue;
    }
    const key = `${def.uri.toString()}#${def.range.start.line}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    const snippet = await definitionSnippet(found.use, def, document);
    if (snippet !== undefined) {
      snippets.push(snippet);
      // Only the project's own files make a request "multi-file" for the router.
      if (!def.uri.path.includes('/node_modules/')) {
        files.add(def.uri.toString());
      }
      added++;
    }
  }
  // What the language server did not find (still starting, or none for this language), the workspace index may know.
  const indexed = await definitionsFromIndex(looked.missing, excluded, Math.max(0, maxDefinitions - added));
  snippets.push(...indexed.snippets);
  indexed.files.forEach((f) => files.add(f));
  // What the code calls or constructs and nothing could find: the answer should say it lacks them.
  const missing = missingDefinitionsNote(looked.missing.filter((id) => id.relation !== 'referenced' && !indexed.found.has(id.name)).map((id) => id.name));
  return { snippets, fileCount: files.size, ...(withheld !== undefined ? { withheld } : {}), ...(missing !== undefined ? { missing } : {}) };
}
