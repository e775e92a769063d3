/** Definitions from the workspace index, for Explain and Review when the language server gives none. */
import type * as vscode from 'vscode';
import { fenceLanguage } from '../../index/retrieval';
import type { DefinitionRelation, SupportingSnippet } from '../../review/prompts';
import type { ExcludedFile } from '../shared/sensitiveFileGuard';
import { workspaceIndexService } from './registerIndex';

/** A name whose definition the language server did not give. */
export interface UnresolvedName {
  readonly name: string;
  readonly relation: DefinitionRelation;
}

/** Snippets for the names the index knows a definition of (sensitive files left out), and which names they cover. */
export async function definitionsFromIndex(names: readonly UnresolvedName[], excluded: (uri: vscode.Uri) => ExcludedFile | undefined, limit: number): Promise<{ readonly snippets: SupportingSnippet[]; readonly found: ReadonlySet<string>; readonly files: ReadonlySet<string> }> {
  const index = workspaceIndexService();
  const snippets: SupportingSnippet[] = [];
  const found = new Set<string>();
  const files = new Set<string>();
  if (index === undefined) {
    return { snippets, found, files };
  }
  for (const { name, relation } of names) {
    if (snippets.length >= limit || found.has(name)) {
      continue;
    }
    const ref = index.definitionsOf(name).find((r) => {
      const uri = index.uriOf(r.path);
      return uri !== undefined && excluded(uri) === undefined;
    });
    const uri = ref === undefined ? undefined : index.uriOf(ref.path);
    const text = ref === undefined ? undefined : await index.readChunk(ref);
    if (ref !== undefined && uri !== undefined && text !== undefined && text.trim() !== '') {
      snippets.push({ kind: 'definition', title: `definition of ${name} (${ref.path}:${ref.startLine})`, text, language: fenceLanguage(ref.path), relation });
      found.add(name);
      files.add(uri.toString());
    }
  }
  return { snippets, found, files };
}
