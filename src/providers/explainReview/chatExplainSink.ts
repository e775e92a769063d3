import type { Tier } from '../../settings/schema';
import { tiers } from '../../settings/schema';
import type { Logger } from '../../util/logger';
import type { ChatHub } from '../chat/chatHub';
import type { ExplainHeader, ExplainSink, ExplainStream } from './explainSink';
import { DocumentExplainSink } from './explainSink';

/**
 * Explain streams into the chat view as a new turn (with its tier badge and history); when the chat is busy
 * with another answer, into a Markdown document beside the code instead, so nothing is lost or blocked.
 */
export class ChatExplainSink implements ExplainSink {
  private readonly fallback: DocumentExplainSink;

  constructor(
    private readonly hub: ChatHub,
    logger: Logger,
  ) {
    this.fallback = new DocumentExplainSink(logger);
  }

  async open(header: ExplainHeader): Promise<ExplainStream> {
    const routing = header.routing;
    if (routing === undefined) {
      return this.fallback.open(header);
    }
    const text = [header.question ?? header.title, ...header.notes.map((n) => `> ${n}`)].join('\n\n');
    const turn = await this.hub.externalTurn({
      text,
      tier: asTier(routing.tier),
      model: routing.model,
      endpointId: routing.endpointId,
      reasons: header.reasons,
      ...(header.sources !== undefined ? { sources: header.sources } : {}),
    });
    if (turn === undefined) {
      return this.fallback.open(header);
    }
    return {
      signal: turn.signal,
      append: (chunk) => turn.append(chunk),
      finish: (footer) => turn.finish(footer),
      fail: (message) => turn.fail(new Error(message)),
    };
  }
}

function asTier(value: string): Tier | undefined {
  return tiers.find((t) => t === value);
}
