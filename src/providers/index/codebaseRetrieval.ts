/** `@codebase` for chat: the index's best chunks for a question, as context items, sensitive files left out. */
import type { ChatContextItem } from '../../chat/promptAssembly';
import { fenceLanguage, sourceLabel, withoutCodebaseMention } from '../../index/retrieval';
import type { Services } from '../services';
import { workspaceIndexService } from './registerIndex';

/** Chunks sent for one question: about 6 × 300–600 tokens, a fair share of a small model's context. */
const chunksPerQuestion = 6;

/** Never rejects: without an index, or when it fails, the answer goes on without retrieved code (and the log says why). */
export async function retrieveForChat(services: Services, question: string, signal: AbortSignal): Promise<ChatContextItem[]> {
  const index = workspaceIndexService();
  if (index === undefined) {
    return [];
  }
  try {
    const hits = await index.search(withoutCodebaseMention(question), chunksPerQuestion, signal);
    const items: ChatContextItem[] = [];
    for (const hit of hits) {
      // The rules may have changed since the file was indexed: check again before anything reaches a model (a hit
      // of no folder open now is left out too).
      const uri = index.uriOf(hit.path);
      if (uri === undefined || services.sensitiveFiles.check(uri) !== undefined) {
        continue;
      }
      const text = await index.readChunk(hit);
      if (text !== undefined && text.trim() !== '') {
        const label = sourceLabel(hit);
        items.push({ id: `codebase:${label}`, kind: 'file', label, languageId: fenceLanguage(hit.path), text });
      }
    }
    services.logger.info(`index: @codebase retrieved ${items.length} chunk(s): ${items.map((i) => i.label).join(', ') || 'none'}`);
    return items;
  } catch (error) {
    services.logger.warn(`index: @codebase retrieval failed (${error instanceof Error ? error.message : String(error)}); answering without it`);
    return [];
  }
}
