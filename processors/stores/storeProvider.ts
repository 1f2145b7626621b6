// The store provider runners hand to tasks: creates one in-memory store per definition, on first
// use, and fails loudly when a stage asks for a store it did not declare or with the wrong kind.

import { BusError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { InMemoryKeyValueStore } from './keyValueStore.js';
import { InMemorySessionStore } from './sessionStore.js';
import type {
  KeyValueStore,
  SessionStore,
  StateStore,
  StoreDefinition,
  StoreKind,
  StoreProvider,
  WindowStore,
} from './types.js';
import { InMemoryWindowStore } from './windowStore.js';

/**
 * One task's stores, in memory. A runner hooks each store's `onChange` to its changelog partition
 * and calls `restore` with the changelog's records before the task processes anything.
 *
 * @example
 * const stores = new InMemoryStoreProvider(plan.stores.filter((s) => s.subtopology === sub.id));
 * for (const name of stores.names) stores.getStore(name).onChange((k, v) => produce(changelogOf(name), k, v));
 */
export class InMemoryStoreProvider implements StoreProvider {
  private readonly definitions = new Map<string, StoreDefinition>();
  private readonly stores = new Map<string, StateStore>();

  constructor(definitions: readonly StoreDefinition[]) {
    for (const d of definitions) this.definitions.set(d.name, d);
  }

  /** Names of every store this provider can create. */
  get names(): string[] {
    return [...this.definitions.keys()];
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    return this.typed(name, 'keyValue') as KeyValueStore<K, V>;
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    return this.typed(name, 'window') as WindowStore<K, V>;
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.typed(name, 'session') as SessionStore<K, V>;
  }

  getStore(name: string): StateStore {
    const existing = this.stores.get(name);
    if (existing) return existing;
    const d = this.definitions.get(name);
    if (!d) {
      throw new BusError(
        'STORE_FAILED',
        `unknown store '${name}' (known: ${this.names.join(', ') || 'none'})`,
        {
          context: { store: name },
        },
      );
    }
    const store = create(d);
    this.stores.set(name, store);
    return store;
  }

  private typed(name: string, kind: StoreKind): StateStore {
    const kindOf = this.definitions.get(name)?.kind;
    if (kindOf !== undefined && kindOf !== kind) {
      throw new BusError('STORE_FAILED', `store '${name}' is a ${kindOf} store, not a ${kind} store`, {
        context: { store: name },
      });
    }
    return this.getStore(name);
  }
}

function create(d: StoreDefinition): StateStore {
  const keySerde = d.keySerde as Serde<unknown>;
  const valueSerde = d.valueSerde as Serde<unknown>;
  switch (d.kind) {
    case 'keyValue':
      return new InMemoryKeyValueStore(d.name, keySerde, valueSerde);
    case 'window':
      return new InMemoryWindowStore(d.name, keySerde, valueSerde, d.windowSizeMs ?? 1, d.retainDuplicates);
    case 'session':
      return new InMemorySessionStore(d.name, keySerde, valueSerde);
  }
}
