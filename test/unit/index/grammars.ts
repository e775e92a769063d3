/** The tree-sitter grammars from node_modules, shared by the index's unit tests (loaded once per run). */
import * as path from 'node:path';
import { TreeSitterGrammars } from '../../../src/index/treeSitter';

export const wasmDir = path.join(__dirname, '..', '..', '..', 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');

export const grammars = new TreeSitterGrammars(wasmDir, (message) => {
  throw new Error(message);
});
