/**
 * Which tree-sitter grammar parses which file, and which syntax nodes are definitions worth their own chunk.
 * Grammars come prebuilt as WebAssembly from `@vscode/tree-sitter-wasm` (the set VS Code itself ships); it has no
 * C grammar, so C files are parsed with the C++ one, which accepts C's declarations and functions.
 * Pure: no `vscode` import.
 */

/** A grammar's wasm file stem: `tree-sitter-<grammar>.wasm`. */
export type GrammarName = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java' | 'cpp' | 'c-sharp';

/** How to chunk one language. */
export interface LanguageSpec {
  readonly grammar: GrammarName;
  /** Node types that define something named (function, class, method…). */
  readonly definitions: ReadonlySet<string>;
}

const set = (...types: string[]): ReadonlySet<string> => new Set(types);

const jsDefinitions = set(
  'function_declaration', 'generator_function_declaration', 'class_declaration', 'abstract_class_declaration', 'method_definition',
  'interface_declaration', 'type_alias_declaration', 'enum_declaration', 'internal_module', 'module', 'lexical_declaration',
  'variable_declaration', 'public_field_definition', 'abstract_method_signature', 'export_statement', 'expression_statement',
);

const specs: Readonly<Record<GrammarName, LanguageSpec>> = {
  typescript: { grammar: 'typescript', definitions: jsDefinitions },
  tsx: { grammar: 'tsx', definitions: jsDefinitions },
  javascript: { grammar: 'javascript', definitions: jsDefinitions },
  python: {
    grammar: 'python',
    definitions: set('function_definition', 'class_definition', 'decorated_definition'),
  },
  go: {
    grammar: 'go',
    definitions: set('function_declaration', 'method_declaration', 'type_declaration'),
  },
  rust: {
    grammar: 'rust',
    definitions: set('function_item', 'impl_item', 'struct_item', 'enum_item', 'trait_item', 'mod_item', 'macro_definition', 'function_signature_item'),
  },
  java: {
    grammar: 'java',
    definitions: set('class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'method_declaration', 'constructor_declaration', 'annotation_type_declaration'),
  },
  cpp: {
    grammar: 'cpp',
    definitions: set('function_definition', 'class_specifier', 'struct_specifier', 'namespace_definition', 'template_declaration', 'enum_specifier', 'union_specifier'),
  },
  'c-sharp': {
    grammar: 'c-sharp',
    definitions: set('class_declaration', 'interface_declaration', 'struct_declaration', 'enum_declaration', 'record_declaration', 'method_declaration', 'constructor_declaration', 'namespace_declaration', 'property_declaration', 'file_scoped_namespace_declaration'),
  },
};

const byExtension: Readonly<Record<string, GrammarName>> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  py: 'python', pyi: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  c: 'cpp', h: 'cpp', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp',
  cs: 'c-sharp',
};

/** Every grammar the chunker can load. */
export const grammarNames: readonly GrammarName[] = Object.keys(specs).filter((k): k is GrammarName => k in specs);

/** The chunking rules for a file, by its extension; undefined when no grammar fits (line windows then). */
export function languageFor(path: string): LanguageSpec | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) {
    return undefined;
  }
  const grammar = byExtension[path.slice(dot + 1).toLowerCase()];
  return grammar === undefined ? undefined : specs[grammar];
}
