/**
 * Direct looks at a llama-server from the tests and the benchmark, beside Tiered's own client:
 * JSON GET/POST, `/tokenize`, slot state and Prometheus counters.
 */
import { retryingFetch as fetch } from './socketRetry';

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`GET ${url} → ${res.status}: ${text.slice(0, 300)}`);
  }
  return JSON.parse(text) as T;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** Token ids of `content` (no BOS). */
export async function tokenize(baseUrl: string, content: string, parseSpecial = false): Promise<number[]> {
  const { status, json } = await postJson(`${baseUrl}/tokenize`, { content, parse_special: parseSpecial });
  if (status !== 200) {
    throw new Error(`/tokenize → ${status}`);
  }
  return (json as { tokens: number[] }).tokens;
}

export interface SlotState {
  readonly id: number;
  readonly is_processing: boolean;
  readonly n_ctx: number;
  readonly next_token?: readonly { readonly n_decoded?: number; readonly n_remain?: number }[];
}

export async function slots(baseUrl: string): Promise<SlotState[]> {
  return getJson<SlotState[]>(`${baseUrl}/slots`);
}

/** Prometheus counters from `/metrics` (needs `--metrics`), by name without the `llamacpp:` prefix. */
export async function metrics(baseUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^llamacpp:(\w+)\s+([-+0-9.eE]+|nan|inf)$/i.exec(line.trim());
    if (m) {
      out[m[1]] = Number(m[2]);
    }
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until no slot is processing. Resolves with the number of polls it took; rejects after `maxPolls`
 * (a bound on waiting, not a speed assertion).
 */
export async function waitForIdleSlots(baseUrl: string, maxPolls = 200, everyMs = 25): Promise<number> {
  for (let i = 1; i <= maxPolls; i++) {
    const all = await slots(baseUrl);
    if (all.every((s) => !s.is_processing)) {
      return i;
    }
    await sleep(everyMs);
  }
  throw new Error(`slots of ${baseUrl} still processing after ${maxPolls} polls`);
}
