/**
 * Loads tree-sitter's WebAssembly runtime and grammars once, lazily, from a folder of `.wasm` files
 * (`node_modules/@vscode/tree-sitter-wasm/wasm` in development, `dist/tree-sitter` in the packaged extension).
 * Pure: no `vscode` import.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Language, Parser } from '@vscode/tree-sitter-wasm';
import type { GrammarName } from './languages';

/** Parsers by grammar, loaded on first use. A grammar that fails to load is remembered as unavailable. */
export class TreeSitterGrammars {
  private init: Promise<void> | undefined;
  private readonly parsers = new Map<GrammarName, Promise<Parser | undefined>>();

  /** @param wasmDir folder holding `tree-sitter.wasm` and `tree-sitter-<grammar>.wasm`. */
  constructor(private readonly wasmDir: string, private readonly onError: (message: string) => void = () => undefined) {}

  /** A parser for the grammar, or undefined when it cannot be loaded (the caller falls back to line windows). */
  parser(grammar: GrammarName): Promise<Parser | undefined> {
    let parser = this.parsers.get(grammar);
    if (parser === undefined) {
      parser = this.load(grammar);
      this.parsers.set(grammar, parser);
    }
    return parser;
  }

  private async load(grammar: GrammarName): Promise<Parser | undefined> {
    try {
      this.init ??= Parser.init({ locateFile: (file: string) => path.join(this.wasmDir, file) });
      await this.init;
      const language = await Language.load(await readFile(path.join(this.wasmDir, `tree-sitter-${grammar}.wasm`)));
      const parser = new Parser();
      parser.setLanguage(language);
      return parser;
    } catch (error) {
      this.onError(`tree-sitter grammar ${grammar} could not be loaded (${error instanceof Error ? error.message : String(error)}); its files are chunked by lines`);
      return undefined;
    }
  }

  /** Frees the parsers' WebAssembly memory. */
  async dispose(): Promise<void> {
    for (const parser of this.parsers.values()) {
      (await parser)?.delete();
    }
    this.parsers.clear();
  }
}
