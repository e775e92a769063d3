/**
 * Keeps the latest connection report of every endpoint, shared by all features (status bar,
 * Models view, welcome view). Checks run on demand; concurrent callers share one check.
 * Pure: no `vscode` import.
 */
import { Emitter } from '../util/emitter';
import type { Event } from '../util/emitter';
import { checkEndpoint } from './checkConnection';
import type { EndpointReport } from './checkConnection';
import type { LlmBackend } from './types';

/** Overall state, as the UI shows it. */
export type ConnectionState = 'unknown' | 'checking' | 'up' | 'partial' | 'down';

export class ConnectionMonitor {
  private readonly changed = new Emitter<readonly EndpointReport[]>();
  private latest: readonly EndpointReport[] = [];
  private inFlight: Promise<readonly EndpointReport[]> | undefined;
  private checking = false;

  /** Fires after each completed check with its reports. */
  readonly onDidChange: Event<readonly EndpointReport[]> = this.changed.event;

  constructor(private readonly backends: () => Promise<readonly LlmBackend[]>) {}

  get reports(): readonly EndpointReport[] {
    return this.latest;
  }

  get state(): ConnectionState {
    if (this.checking && this.latest.length === 0) {
      return 'checking';
    }
    return summarizeState(this.latest);
  }

  /** Checks every endpoint (sharing a check already under way) and returns the reports. */
  check(): Promise<readonly EndpointReport[]> {
    if (!this.inFlight) {
      this.checking = true;
      this.inFlight = this.runCheck().finally(() => {
        this.inFlight = undefined;
        this.checking = false;
      });
    }
    return this.inFlight;
  }

  /** Forgets reports, e.g. after the endpoints changed in settings. */
  invalidate(): void {
    this.latest = [];
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async runCheck(): Promise<readonly EndpointReport[]> {
    const backends = await this.backends();
    const reports = await Promise.all(backends.map((b) => checkEndpoint(b)));
    this.latest = reports;
    this.changed.fire(reports);
    return reports;
  }
}

/** 'up' when every endpoint answered, 'partial' when some did, 'down' when none did (or none is configured). */
export function summarizeState(reports: readonly EndpointReport[]): ConnectionState {
  if (reports.length === 0) {
    return 'unknown';
  }
  const up = reports.filter((r) => r.reachable).length;
  if (up === reports.length) {
    return 'up';
  }
  return up === 0 ? 'down' : 'partial';
}
