// What a task keeps next to a persistent store (a provider with metadata, e.g. LMDB) so that a
// restart restores only the changelog tail: its checkpoint — per changelog topic (the task's own
// partition), the offset after the last record the local state reflects — and, under exactly-once,
// whether the stores were closed holding committed state only. Kafka Streams' rule: a store not
// closed cleanly under exactly-once may hold writes of an aborted or unfinished transaction, so it
// is wiped and restored in full.

import type { StoreProvider } from '../../topology/plan.js';

/** A store provider whose local state outlives the process (e.g. `LmdbStoreProvider`). */
export interface DurableStores extends StoreProvider {
  readMetadata(): Record<string, unknown> | undefined;
  /** Atomic: a reader sees the old record or the new one, never a mix. */
  writeMetadata(record: Record<string, unknown>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export const isDurable = (p: StoreProvider): p is DurableStores =>
  typeof (p as Partial<DurableStores>).writeMetadata === 'function' &&
  typeof (p as Partial<DurableStores>).destroy === 'function';

/** Changelog topic → offset after the last record the local state reflects. */
export type Checkpoint = Record<string, number>;

export interface SavedState {
  checkpoint: Checkpoint;
  /** Closed holding committed state only (exactly-once's clean-shutdown marker). */
  clean: boolean;
}

/** The task's saved checkpoint; an absent or unreadable one is empty and not clean. */
export function savedState(stores: DurableStores): SavedState {
  const metadata = stores.readMetadata();
  const saved = metadata?.checkpoint;
  const checkpoint: Checkpoint = {};
  if (saved && typeof saved === 'object')
    for (const [topic, offset] of Object.entries(saved))
      if (typeof offset === 'number') checkpoint[topic] = offset;
  return { checkpoint, clean: metadata?.clean === true };
}

export function saveState(stores: DurableStores, state: SavedState): void {
  stores.writeMetadata({ checkpoint: { ...state.checkpoint }, clean: state.clean });
}
