/**
 * Cuts a file into chunks that follow its structure: consecutive definitions (functions, classes, methods) are
 * grouped up to the size limit, a definition too long for one chunk is split along its own children (a class by
 * its methods, a function by its statements) and, at the bottom, by line windows. Files no grammar parses, and
 * very large or minified ones, get line windows with overlap.
 * Pure: no `vscode` import.
 */
import type { Node } from '@vscode/tree-sitter-wasm';
import type { LanguageSpec } from './languages';
import { languageFor } from './languages';
import type { ChunkSizes, LineSpan } from './lineWindows';
import { defaultChunkSizes, Lines, lineWindows } from './lineWindows';
import type { TreeSitterGrammars } from './treeSitter';
import type { Chunk, ChunkKind } from './types';

/** Above this size a file is cut by lines: parsing it would hold the thread too long for what it brings. */
const maxParsedChars = 256 * 1024;
/** Lines this long on average mean generated or minified code. */
const minifiedLineLength = 300;

interface Piece extends LineSpan {
  readonly symbols: string[];
  readonly kind: ChunkKind;
}

/** Chunks a file's text; `path` picks the grammar. Never throws: a parse failure falls back to line windows. */
export async function chunkFile(path: string, text: string, grammars: TreeSitterGrammars | undefined, sizes: ChunkSizes = defaultChunkSizes): Promise<Chunk[]> {
  const lines = new Lines(text);
  if (lines.blank(0, lines.count - 1)) {
    return [];
  }
  const spec = languageFor(path);
  const parseable = spec !== undefined && grammars !== undefined && text.length <= maxParsedChars && text.length / lines.count < minifiedLineLength;
  const parser = parseable ? await grammars.parser(spec.grammar) : undefined;
  let pieces: Piece[] | undefined;
  if (parser !== undefined && spec !== undefined) {
    const tree = parser.parse(text);
    try {
      if (tree !== null) {
        pieces = new Segmenter(lines, spec, sizes).segment(tree.rootNode, 0, lines.count - 1, []);
      }
    } finally {
      tree?.delete();
    }
  }
  pieces ??= lineWindows(lines, 0, lines.count - 1, sizes).map((w) => ({ ...w, symbols: [], kind: 'lines' }));
  return mergeSmall(pieces, lines, sizes)
    .filter((p) => !lines.blank(p.start, p.end))
    .map((p) => trimBlank(p, lines))
    .map((p) => ({ startLine: p.start + 1, endLine: p.end + 1, symbols: p.symbols, kind: p.kind, text: lines.text(p.start, p.end) }));
}

/** Drops blank lines at either end of a (non-blank) piece. */
function trimBlank(piece: Piece, lines: Lines): Piece {
  let { start, end } = piece;
  while (start < end && lines.blank(start, start)) {
    start++;
  }
  while (end > start && lines.blank(end, end)) {
    end--;
  }
  return { ...piece, start, end };
}

/** Merges neighbouring pieces when one of them is smaller than `minTokens` and both fit in one chunk. */
function mergeSmall(pieces: readonly Piece[], lines: Lines, sizes: ChunkSizes): Piece[] {
  const out: Piece[] = [];
  for (const piece of pieces) {
    const last = out.at(-1);
    const small = (p: LineSpan): boolean => lines.tokens(p.start, p.end) < sizes.minTokens;
    if (last !== undefined && last.end + 1 >= piece.start && (small(last) || small(piece)) && lines.tokens(last.start, piece.end) <= sizes.maxTokens) {
      out[out.length - 1] = { start: last.start, end: piece.end, symbols: unique([...last.symbols, ...piece.symbols]), kind: last.kind === 'definition' || piece.kind === 'definition' ? 'definition' : 'lines' };
    } else {
      out.push(piece);
    }
  }
  return out;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

class Segmenter {
  constructor(private readonly lines: Lines, private readonly spec: LanguageSpec, private readonly sizes: ChunkSizes) {}

  /** The name a node itself declares; wrappers (export, decorators, templates) leave it to the node they wrap. */
  private ownName(node: Node): string | undefined {
    return this.spec.definitions.has(node.type) && !wrappers.has(node.type) ? nameOf(node) : undefined;
  }

  /** Adds the qualified names of `node` and of the definitions nested in it (a class's methods) to `into`. */
  private collectSymbols(node: Node, prefix: readonly string[], into: string[], depth: number): void {
    const name = this.ownName(node);
    const inner = name === undefined ? prefix : [...prefix, name];
    if (name !== undefined) {
      into.push(inner.join('.'));
    }
    // Definitions sit a few levels down at most (class → body → method), and a one-line node holds none worth
    // naming: walking only multi-line nodes a few levels deep keeps the walk (each node crosses the WebAssembly
    // boundary) a small share of the parse.
    if (depth < 3) {
      for (const child of node.namedChildren) {
        if (child !== null && child.endPosition.row > child.startPosition.row) {
          this.collectSymbols(child, inner, into, depth + 1);
        }
      }
    }
  }

  /** Pieces covering lines `start..end` of `node`, whose enclosing definitions are `prefix`. */
  segment(node: Node, start: number, end: number, prefix: readonly string[]): Piece[] {
    const pieces: Piece[] = [];
    const qualified = prefix.length > 0 ? [prefix.join('.')] : [];
    let group: { start: number; end: number; symbols: string[] } = { start, end: start - 1, symbols: [...qualified] };
    const flush = (): void => {
      if (group.end >= group.start) {
        pieces.push({ start: group.start, end: group.end, symbols: unique(group.symbols), kind: group.symbols.length > 0 ? 'definition' : 'lines' });
        group = { start: group.end + 1, end: group.end, symbols: [...qualified] };
      }
    };
    for (const child of node.namedChildren) {
      if (child === null) {
        continue;
      }
      const childEnd = Math.min(child.endPosition.row, end);
      if (childEnd < start || childEnd <= group.end || child.startPosition.row > end) {
        continue;
      }
      const name = this.ownName(child);
      if (this.lines.tokens(group.start, childEnd) > this.sizes.maxTokens) {
        // A short run of lines naming nothing (a signature, decorators, a comment) stays with what follows.
        const headerOnly = group.symbols.length === qualified.length && this.lines.tokens(group.start, group.end) < this.sizes.minTokens;
        if (!headerOnly) {
          flush();
        }
      }
      if (this.lines.tokens(group.start, childEnd) <= this.sizes.maxTokens) {
        group.end = childEnd;
        this.collectSymbols(child, prefix, group.symbols, 0);
        continue;
      }
      // One child alone is too long: split it along its own children, or by lines when it has none to split by.
      const inner = name === undefined ? prefix : [...prefix, name];
      const splittable = child.namedChildren.some((c) => c !== null && c.endPosition.row > c.startPosition.row) || child.namedChildCount > 1;
      const sub = splittable
        ? this.segment(child, group.start, childEnd, inner)
        : lineWindows(this.lines, group.start, childEnd, this.sizes).map((w) => ({ ...w, symbols: inner.length > 0 ? [inner.join('.')] : [], kind: 'definition' as const }));
      pieces.push(...sub);
      group = { start: childEnd + 1, end: childEnd, symbols: [...qualified] };
    }
    if (end >= group.start) {
      if (group.end >= group.start && this.lines.tokens(group.start, end) <= this.sizes.maxTokens) {
        group.end = end;
        flush();
      } else {
        flush();
        if (!this.lines.blank(group.start, end)) {
          const kind = qualified.length > 0 ? ('definition' as const) : ('lines' as const);
          pieces.push(...lineWindows(this.lines, group.start, end, this.sizes).map((w) => ({ ...w, symbols: [...qualified], kind })));
        }
      }
    } else {
      flush();
    }
    return pieces;
  }
}

/** Nodes that wrap a definition without being one. */
const wrappers = new Set(['export_statement', 'decorated_definition', 'template_declaration']);

const functionLike = new Set(['arrow_function', 'function', 'function_expression', 'generator_function', 'class', 'class_expression']);

/** The name a definition node declares, or undefined when it declares none worth naming. */
export function nameOf(node: Node): string | undefined {
  switch (node.type) {
    case 'export_statement': {
      const inner = node.childForFieldName('declaration');
      return inner === null ? undefined : nameOf(inner);
    }
    case 'decorated_definition': {
      const inner = node.childForFieldName('definition');
      return inner === null ? undefined : nameOf(inner);
    }
    case 'template_declaration': {
      const inner = node.namedChildren.find((c) => c !== null && c.type !== 'template_parameter_list');
      return inner == null ? undefined : nameOf(inner);
    }
    case 'lexical_declaration':
    case 'variable_declaration': {
      const declarator = node.namedChildren.find((c) => c !== null && c.type === 'variable_declarator');
      const value = declarator?.childForFieldName('value');
      const multiLine = node.endPosition.row - node.startPosition.row >= 2;
      return declarator != null && (multiLine || (value != null && functionLike.has(value.type))) ? declarator.childForFieldName('name')?.text : undefined;
    }
    case 'expression_statement': {
      const assignment = node.namedChildren.find((c) => c !== null && c.type === 'assignment_expression');
      const right = assignment?.childForFieldName('right');
      return right != null && functionLike.has(right.type) ? assignment?.childForFieldName('left')?.text : undefined;
    }
    case 'impl_item': {
      const type = node.childForFieldName('type')?.text;
      const trait = node.childForFieldName('trait')?.text;
      return type === undefined ? undefined : trait === undefined ? type : `${type}(${trait})`;
    }
    case 'type_declaration': {
      const spec = node.namedChildren.find((c) => c !== null && (c.type === 'type_spec' || c.type === 'type_alias'));
      return spec?.childForFieldName('name')?.text;
    }
    case 'function_definition':
      return node.childForFieldName('name')?.text ?? declaratorName(node.childForFieldName('declarator'));
    default:
      return node.childForFieldName('name')?.text;
  }
}

/** Follows a C/C++ declarator chain (pointer, reference, function declarators) down to the declared name. */
function declaratorName(node: Node | null): string | undefined {
  let current = node;
  for (let depth = 0; current !== null && depth < 8; depth++) {
    if (['identifier', 'field_identifier', 'qualified_identifier', 'destructor_name', 'operator_name'].includes(current.type)) {
      return current.text;
    }
    current = current.childForFieldName('declarator');
  }
  return undefined;
}
