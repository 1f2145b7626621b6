// What every store provider shares: the stores a task declared, created on first access and typed
// by kind (a key-value store asked for as a window store is an error). Subclasses say how a store
// is made (in memory, in LMDB) and may refuse access (a closed environment).

import { BusError } from '../../core/errors.js';
import type {
  KeyValueStore,
  SessionStore,
  StateStore,
  StoreDefinition,
  StoreKind,
  StoreProvider,
  WindowStore,
} from './types.js';

export abstract class DefinedStores
  implements Pick<StoreProvider, 'getKeyValueStore' | 'getWindowStore' | 'getSessionStore' | 'getStore'>
{
  protected readonly definitions = new Map<string, StoreDefinition>();
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
    this.beforeAccess(name);
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
    const store = this.create(d);
    this.stores.set(name, store);
    return store;
  }

  /** Makes the store `d` describes. */
  protected abstract create(d: StoreDefinition): StateStore;

  /** Throws when the stores may not be used now. */
  protected beforeAccess(_name: string): void {}

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
