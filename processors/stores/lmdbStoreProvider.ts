// Persistent stores: one LMDB environment per task, under `<stateDir>/<applicationId>/<taskId>`,
// one named database per store. Local state survives a restart, so a restarted task only needs the
// changelog records written since its state was last saved (the runtime's task checkpoint, see
// runtime/engine/task-checkpoint.ts, lives in `readMetadata`/`writeMetadata`). The changelog stays the
// durable copy: writes are not fsynced one by one (`flush()` does that on demand), and an instance
// that died uncleanly is expected to `destroy()` its copy and restore it from the changelog.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { DefinedStores } from './definedStores.js';
import { jsonSerde } from './jsonSerde.js';
import { type BinaryDatabase, LmdbKeyValueStore } from './lmdbKeyValueStore.js';
import { LmdbSessionStore } from './lmdbSessionStore.js';
import { LmdbWindowStore } from './lmdbWindowStore.js';
import type { StateStore, StoreDefinition, StoreProvider } from './types.js';

/** Where persistent stores live. */
export interface LmdbStoreOptions {
  /**
   * Root directory of local state. Each task gets `<stateDir>/<applicationId>/<taskId>`.
   * @example '/var/lib/tmbus'
   */
  readonly stateDir: string;
  /**
   * The application whose tasks these are (two applications may share a `stateDir`).
   * @example 'order-enricher'
   */
  readonly applicationId: string;
}

// Store names follow `validateName` (letters, digits, '.', '_', '-'), so '#' never clashes.
const TASK_DB = '#task';
/** Suffix of a window store's time index (window start → entry), which makes retention cheap. */
const TIME_INDEX = '#by-time';
const METADATA_KEY = Buffer.from('metadata');
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const metadataSerde = jsonSerde<Record<string, unknown>>('task-metadata');

/** The directory holding one task's stores. */
export function lmdbTaskDirectory(options: LmdbStoreOptions, taskId: string): string {
  for (const [what, segment] of [
    ['application id', options.applicationId],
    ['task id', taskId],
  ] as const) {
    if (!SAFE_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new BusError('CONFIG_INVALID', `${what} '${segment}' cannot name a state directory`, {
        context: { store: options.stateDir },
      });
    }
  }
  return join(options.stateDir, options.applicationId, taskId);
}

/**
 * Persistent stores for the streams runtime: pass the result as its `storeProvider`.
 *
 * @param options where local state lives
 * @returns a `(definitions, taskId) => LmdbStoreProvider` factory
 * @default in-memory stores are the runtime's default; this is opt-in
 * @example
 * const runtime = new StreamsRuntime({
 *   ...options,
 *   storeProvider: lmdbStoreProvider({ stateDir: '/var/lib/tmbus', applicationId: 'order-enricher' }),
 * });
 */
export function lmdbStoreProvider(
  options: LmdbStoreOptions,
): (definitions: readonly StoreDefinition[], taskId: string) => LmdbStoreProvider {
  return (definitions, taskId) => new LmdbStoreProvider(lmdbTaskDirectory(options, taskId), definitions);
}

/**
 * One task's stores in an LMDB environment. Same contract as `InMemoryStoreProvider`: the runner
 * hooks each store's `onChange` to its changelog and may `restore` records into it.
 *
 * @example
 * const stores = new LmdbStoreProvider('/var/lib/tmbus/orders/0_1', plan.stores);
 * stores.transaction(() => { for (const r of batch) process(r); });
 * await stores.close();
 */
export class LmdbStoreProvider extends DefinedStores implements StoreProvider {
  private readonly root: RootDatabase<Buffer, Buffer>;
  private readonly task: BinaryDatabase;
  private closed = false;

  constructor(
    readonly directory: string,
    definitions: readonly StoreDefinition[],
  ) {
    super(definitions);
    try {
      mkdirSync(directory, { recursive: true });
      this.root = open<Buffer, Buffer>({
        path: directory,
        // One database per store, a time index per window store, and the task's own.
        maxDbs: 2 * definitions.length + 1,
        // The changelog is the durable copy; an fsync per write would cap a task at disk latency.
        noSync: true,
        keyEncoding: 'binary',
        encoding: 'binary',
      });
      this.task = this.root.openDB<Buffer, Buffer>({
        name: TASK_DB,
        keyEncoding: 'binary',
        encoding: 'binary',
      });
    } catch (cause) {
      throw new BusError('STORE_FAILED', `cannot open the state directory ${directory}: ${String(cause)}`, {
        cause,
        context: { store: directory },
      });
    }
  }

  protected override beforeAccess(name: string): void {
    this.assertOpen(name);
  }

  /**
   * Runs `fn` in one LMDB write transaction: every store write inside commits together (about
   * ten times the throughput of one commit per write). A throw aborts them all and rethrows.
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen(this.directory);
    return this.root.transactionSync(fn);
  }

  /** The task's metadata record (e.g. its checkpoint), or `undefined` if none was written. */
  readMetadata(): Record<string, unknown> | undefined {
    this.assertOpen(this.directory);
    const bytes = this.task.getBinary(METADATA_KEY);
    return bytes === undefined ? undefined : metadataSerde.deserialize(bytes, { topic: this.directory });
  }

  /**
   * Replaces the task's metadata record. It commits after every store write made before it, in
   * the same environment, so a record describing the stores never gets ahead of them.
   */
  writeMetadata(record: Record<string, unknown>): void {
    this.assertOpen(this.directory);
    this.task.putSync(METADATA_KEY, metadataSerde.serialize(record, { topic: this.directory }));
  }

  /** Forces every committed write to disk (before a checkpoint is trusted across a crash). */
  flush(): Promise<void> {
    this.assertOpen(this.directory);
    const env = this.root as unknown as { sync(done: (error?: unknown) => void): void };
    return new Promise((resolve, reject) => {
      env.sync((error) => (error ? reject(error) : resolve()));
    });
  }

  /** Closes the environment; the stores must not be used afterwards. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.root.close();
  }

  /** Closes and deletes this task's local state (unclean shutdown: restore from the changelog). */
  async destroy(): Promise<void> {
    await this.close();
    rmSync(this.directory, { recursive: true, force: true });
  }

  protected create(d: StoreDefinition): StateStore {
    const db = this.openStoreDb(d);
    const keySerde = d.keySerde as Serde<unknown>;
    const valueSerde = d.valueSerde as Serde<unknown>;
    switch (d.kind) {
      case 'keyValue':
        return new LmdbKeyValueStore(d.name, db, keySerde, valueSerde);
      case 'window':
        return new LmdbWindowStore(
          d.name,
          db,
          keySerde,
          valueSerde,
          d.windowSizeMs ?? 1,
          d.retainDuplicates,
          this.openDb(`${d.name}${TIME_INDEX}`),
        );
      case 'session':
        return new LmdbSessionStore(d.name, db, keySerde, valueSerde);
    }
  }

  /** Opens a store's database; one left by a store of another layout is emptied (restore refills it). */
  private openStoreDb(d: StoreDefinition): BinaryDatabase {
    const db = this.openDb(d.name);
    const index = d.kind === 'window' ? this.openDb(`${d.name}${TIME_INDEX}`) : undefined;
    const layoutKey = Buffer.from(`layout:${d.name}`);
    const layout = Buffer.from(
      `${d.kind}${d.retainDuplicates ? '+duplicates' : ''}${index ? '+time-index' : ''}`,
    );
    const previous = this.task.getBinary(layoutKey);
    if (previous === undefined || !previous.equals(layout)) {
      this.root.transactionSync(() => {
        db.clearSync();
        index?.clearSync();
        this.task.putSync(layoutKey, layout);
      });
    }
    return db;
  }

  private openDb(name: string): BinaryDatabase {
    return this.root.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
  }

  private assertOpen(what: string): void {
    if (this.closed) {
      throw new BusError('STORE_FAILED', `the stores of ${this.directory} are closed`, {
        context: { store: what },
      });
    }
  }
}
