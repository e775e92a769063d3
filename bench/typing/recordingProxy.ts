/**
 * A recording HTTP proxy in front of llama-server: forwards every request unchanged and records, per
 * completion request, what was asked (`id_slot`, `cache_prompt`, `n_predict`, `input_extra` files), when it
 * started, got its first byte and ended, whether the client aborted it, and the server's own timings
 * (`prompt_n`, `cache_n`) from the last chunk of the stream. Optionally holds back the answer to emulate
 * a slower model (see {@link ProxyOptions.promptDelayFactor}).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One proxied completion request. */
export interface ProxiedRequest {
  readonly path: string;
  readonly startedAt: number;
  firstByteAt: number | undefined;
  endedAt: number | undefined;
  /** The client closed the connection before the server finished. */
  aborted: boolean;
  readonly slot: number | undefined;
  readonly cachePrompt: boolean | undefined;
  readonly nPredict: number | undefined;
  /** `input_extra` file names. */
  readonly extraFiles: readonly string[];
  /** Total characters of `input_extra` text. */
  readonly extraChars: number;
  readonly prefixChars: number;
  /** From the server's final timings, when the stream finished. */
  promptN: number | undefined;
  cacheN: number | undefined;
  promptMs: number | undefined;
  predictedMs: number | undefined;
}

export interface ProxyOptions {
  /** The server behind the proxy. */
  readonly upstream: string;
}

/** A running proxy. */
export interface RecordingProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Requests open right now (sent upstream, not finished). */
  readonly open: number;
  /** The most requests open at once. */
  readonly maxOpen: number;
  resetMaxOpen(): void;
  close(): Promise<void>;
}

const completionPaths = new Set(['/infill', '/completion', '/v1/completions']);

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Starts the proxy on a free loopback port. */
export async function startRecordingProxy(options: ProxyOptions): Promise<RecordingProxy> {
  const upstream = new URL(options.upstream);
  const requests: ProxiedRequest[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      let record: ProxiedRequest | undefined;
      if (req.method === 'POST' && completionPaths.has(path)) {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = {};
        }
        const extra = Array.isArray(json.input_extra) ? (json.input_extra as Array<{ filename?: unknown; text?: unknown }>) : [];
        record = {
          path,
          startedAt: Date.now(),
          firstByteAt: undefined,
          endedAt: undefined,
          aborted: false,
          slot: num(json.id_slot),
          cachePrompt: typeof json.cache_prompt === 'boolean' ? json.cache_prompt : undefined,
          nPredict: num(json.n_predict) ?? num(json.max_tokens),
          extraFiles: extra.map((e) => String(e.filename ?? '')),
          extraChars: extra.reduce((n, e) => n + String(e.text ?? '').length, 0),
          prefixChars: typeof json.input_prefix === 'string' ? json.input_prefix.length : typeof json.prompt === 'string' ? json.prompt.length : 0,
          promptN: undefined,
          cacheN: undefined,
          promptMs: undefined,
          predictedMs: undefined,
        };
        requests.push(record);
        open++;
        maxOpen = Math.max(maxOpen, open);
      }
      let finished = false;
      const finish = (aborted: boolean): void => {
        if (finished || record === undefined) {
          return;
        }
        finished = true;
        record.endedAt = Date.now();
        record.aborted = aborted;
        open--;
      };
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let tail = '';
        upRes.on('data', (c: Buffer) => {
          if (record !== undefined && record.firstByteAt === undefined) {
            record.firstByteAt = Date.now();
          }
          // Keep only the end of the stream: the timings come in the last chunk.
          tail = (tail + c.toString('utf8')).slice(-8192);
          res.write(c);
        });
        upRes.on('end', () => {
          res.end();
          if (record !== undefined) {
            const timings = /"timings"\s*:\s*(\{[^}]*\})/.exec(tail);
            if (timings?.[1] !== undefined) {
              try {
                const t = JSON.parse(timings[1]) as Record<string, unknown>;
                record.promptN = num(t.prompt_n);
                record.cacheN = num(t.cache_n);
                record.promptMs = num(t.prompt_ms);
                record.predictedMs = num(t.predicted_ms);
              } catch {
                // a cut chunk: no timings for this one
              }
            }
          }
          finish(false);
        });
        upRes.on('error', () => finish(true));
      });
      up.on('error', () => {
        finish(true);
        if (!res.headersSent) {
          res.writeHead(502);
        }
        res.end();
      });
      // The client went away before the answer ended: close upstream too (what the server sees on an abort).
      res.on('close', () => {
        if (!res.writableFinished) {
          finish(true);
          up.destroy();
        }
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    resetMaxOpen() {
      maxOpen = open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
