// The store provider runners hand to tasks: creates one in-memory store per definition, on first
// use, and fails loudly when a stage asks for a store it did not declare or with the wrong kind.

import type { Serde } from '../../core/record.js';
import { DefinedStores } from './definedStores.js';
import { InMemoryKeyValueStore } from './keyValueStore.js';
import { InMemorySessionStore } from './sessionStore.js';
import type { StateStore, StoreDefinition, StoreProvider } from './types.js';
import { InMemoryWindowStore } from './windowStore.js';

/**
 * One task's stores, in memory. A runner hooks each store's `onChange` to its changelog partition
 * and calls `restore` with the changelog's records before the task processes anything.
 *
 * @example
 * const stores = new InMemoryStoreProvider(plan.stores.filter((s) => s.subtopology === sub.id));
 * for (const name of stores.names) stores.getStore(name).onChange((k, v) => produce(changelogOf(name), k, v));
 */
export class InMemoryStoreProvider extends DefinedStores implements StoreProvider {
  protected create(d: StoreDefinition): StateStore {
    return create(d);
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
