/**
 * Turns Ollama's pull stream (one line per layer update, layers appearing one after another, the small config
 * blob last) into one overall figure: bytes done of bytes known, a percent that never goes backwards, and a
 * readable line. Pure: no `vscode` import.
 */
import type { PullProgress } from '../backend/types';
import { formatBytes as formatKnownBytes } from '../util/format';

// The shared formatter says "unknown" for 0; here 0 bytes done is a real figure.
function formatBytes(bytes: number): string {
  return bytes <= 0 ? '0 B' : formatKnownBytes(bytes);
}

/** One layer as last reported. */
export interface LayerProgress {
  readonly digest: string;
  readonly totalBytes: number;
  readonly completedBytes: number;
}

export type PullPhase = 'starting' | 'manifest' | 'downloading' | 'verifying' | 'writing' | 'cleaning' | 'done';

/** The overall state after a line. */
export interface PullSnapshot {
  readonly phase: PullPhase;
  /** The server's last status text. */
  readonly status: string;
  readonly layers: readonly LayerProgress[];
  readonly totalBytes: number;
  readonly completedBytes: number;
  /** 0..100, never decreasing; 100 only once the server said success. */
  readonly percent: number;
  /** The layer being downloaded, if any. */
  readonly current: LayerProgress | undefined;
  /** e.g. "layer 1 of 5 (2bada8a74506): 100 MB of 940 MB — 11%". */
  readonly message: string;
}

function phaseOf(status: string, hasDigest: boolean): PullPhase | undefined {
  if (hasDigest || /^pulling [0-9a-f]/i.test(status)) {
    return 'downloading';
  }
  if (/manifest/i.test(status) && /pulling/i.test(status)) {
    return 'manifest';
  }
  if (/verifying/i.test(status)) {
    return 'verifying';
  }
  if (/writing manifest/i.test(status)) {
    return 'writing';
  }
  if (/removing/i.test(status)) {
    return 'cleaning';
  }
  if (status === 'success') {
    return 'done';
  }
  return undefined;
}

export class PullProgressTracker {
  private readonly layers = new Map<string, LayerProgress>();
  private phase: PullPhase = 'starting';
  private status = '';
  private percent = 0;
  private currentDigest: string | undefined;

  /** Feeds one line; returns the overall state. */
  update(line: PullProgress): PullSnapshot {
    this.status = line.status;
    const phase = phaseOf(line.status, line.digest !== undefined);
    if (phase !== undefined) {
      this.phase = phase;
    }
    if (line.digest !== undefined) {
      const previous = this.layers.get(line.digest);
      const total = Math.max(line.totalBytes ?? previous?.totalBytes ?? 0, 0);
      // `completed` is omitted while it is 0; a repeated line never moves a layer backwards.
      const completed = Math.min(Math.max(line.completedBytes ?? 0, previous?.completedBytes ?? 0), total > 0 ? total : Number.POSITIVE_INFINITY);
      this.layers.set(line.digest, { digest: line.digest, totalBytes: total, completedBytes: completed });
      this.currentDigest = line.digest;
    }
    const { total, completed } = this.sums();
    let computed = total > 0 ? (completed / total) * 100 : 0;
    if (this.phase === 'done') {
      computed = 100;
    } else {
      // Not done until the server says so (verifying and writing still take time); late layers can lower the raw figure.
      computed = Math.min(computed, 99);
    }
    this.percent = Math.max(this.percent, computed);
    return this.snapshot();
  }

  snapshot(): PullSnapshot {
    const { total, completed } = this.sums();
    const layers = [...this.layers.values()];
    const current = this.currentDigest !== undefined ? this.layers.get(this.currentDigest) : undefined;
    return {
      phase: this.phase,
      status: this.status,
      layers,
      totalBytes: total,
      completedBytes: completed,
      percent: this.percent,
      current,
      message: this.describe(layers, current, total, completed),
    };
  }

  private sums(): { total: number; completed: number } {
    let total = 0;
    let completed = 0;
    for (const layer of this.layers.values()) {
      total += layer.totalBytes;
      completed += Math.min(layer.completedBytes, layer.totalBytes);
    }
    return { total, completed };
  }

  private describe(layers: readonly LayerProgress[], current: LayerProgress | undefined, total: number, completed: number): string {
    const pct = `${Math.floor(this.percent)}%`;
    switch (this.phase) {
      case 'starting':
        return 'starting…';
      case 'manifest':
        return 'fetching the manifest…';
      case 'verifying':
        return `verifying (${formatBytes(total)}) — ${pct}`;
      case 'writing':
        return `writing the manifest — ${pct}`;
      case 'cleaning':
        return 'removing unused layers…';
      case 'done':
        return `done (${formatBytes(total)})`;
      case 'downloading': {
        if (current === undefined) {
          return `${formatBytes(completed)} of ${formatBytes(total)} — ${pct}`;
        }
        const index = layers.indexOf(current) + 1;
        const short = current.digest.replace(/^sha256:/, '').slice(0, 12);
        return `layer ${index} (${short}): ${formatBytes(current.completedBytes)} of ${formatBytes(current.totalBytes)}; overall ${formatBytes(completed)} of ${formatBytes(total)} — ${pct}`;
      }
    }
  }
}
