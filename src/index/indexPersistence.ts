/**
 * The workspace index's side of its log and snapshot: restoring the in-memory state from them, appending records,
 * and deciding when the log is worth compacting (enough records superseded) and when a snapshot must be written
 * again (records appended since the last one). The formats and the crash safety are the store's (`indexStore.ts`).
 * Pure: no `vscode` import.
 */
import type { IndexState } from './indexState';
import type { IndexStore, StoreRecord } from './indexStore';
import type { LoadSummary } from './types';

export class IndexPersistence {
  /** Log records that a later one replaced: compaction pays once there are enough. */
  private superseded = 0;
  /** Log records appended since the snapshot on disk was taken (or true-ish when there is none). */
  private unsnapshotted = 1;

  constructor(
    private readonly store: IndexStore,
    private readonly state: IndexState,
    private readonly log: ((message: string) => void) | undefined,
  ) {}

  /**
   * Restores the state from the snapshot and the log records after it, or from the whole log when the snapshot
   * cannot be used (said in the log, with the reason). An incompatible log is cleared.
   */
  async load(): Promise<LoadSummary> {
    const loaded = await this.store.load();
    if (loaded.snapshotIgnored !== undefined) {
      this.log?.(`index: ${loaded.snapshotIgnored}; restoring from the log instead (nothing is lost, the start is slower)`);
    }
    if (!loaded.compatible) {
      await this.store.clear();
      return { files: 0, dropped: loaded.dropped, fromSnapshot: false };
    }
    if (loaded.snapshot !== undefined) {
      this.state.restoreSnapshot(loaded.snapshot);
      loaded.tail.forEach((record) => this.state.apply(record));
      this.superseded = loaded.tail.length;
      this.unsnapshotted = loaded.tail.length;
    } else {
      for (const file of loaded.files.values()) {
        this.state.restoreStored(file);
      }
      this.superseded = Math.max(0, loaded.records - 1 - loaded.files.size);
    }
    return { files: this.state.files.size, dropped: loaded.dropped, fromSnapshot: loaded.snapshot !== undefined };
  }

  /** Counts `n` records of the log as replaced by later ones. */
  supersede(n = 1): void {
    this.superseded += n;
  }

  /** Appends records to the log, counting them as not yet in the snapshot. */
  async append(records: readonly StoreRecord[]): Promise<void> {
    if (records.length === 0) {
      return;
    }
    await this.store.append(records);
    this.unsnapshotted += records.length;
  }

  /**
   * Writes a snapshot when the log holds records the snapshot on disk does not (a restart then loads in one read).
   * A failure is logged and changes nothing: the log still holds everything.
   */
  async snapshotIfChanged(): Promise<void> {
    if (this.unsnapshotted === 0) {
      return;
    }
    const pending = this.unsnapshotted;
    try {
      await this.store.writeSnapshot((logId, logBytes) => this.state.snapshot(logId, logBytes));
      this.unsnapshotted -= pending;
    } catch (error) {
      this.log?.(`index: the snapshot could not be written (${describeError(error)}); the next start replays the log`);
    }
  }

  /** Rewrites the log with only its live records once more than half as many as there are files are superseded. */
  async compactIfWorthIt(): Promise<void> {
    if (this.superseded > Math.max(100, this.state.files.size / 2)) {
      await this.store.compact((stored) => this.state.files.get(stored.path)?.hash === stored.hash);
      this.superseded = 0;
      // The compacted log has a new id: the snapshot must be taken again.
      this.unsnapshotted++;
    }
  }
}

/** An error's message, for the log. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
