// State stores: the contract (types.ts), its in-memory implementation (every runner's default) and
// the persistent one on LMDB.
export * from './jsonSerde.js';
export { InMemoryKeyValueStore } from './keyValueStore.js';
export { LmdbKeyValueStore } from './lmdbKeyValueStore.js';
export { LmdbSessionStore } from './lmdbSessionStore.js';
export {
  type LmdbStoreOptions,
  LmdbStoreProvider,
  lmdbStoreProvider,
  lmdbTaskDirectory,
} from './lmdbStoreProvider.js';
export { LmdbWindowStore } from './lmdbWindowStore.js';
export { InMemorySessionStore } from './sessionStore.js';
export { InMemoryStoreProvider } from './storeProvider.js';
export type * from './types.js';
export {
  compositeKey,
  InMemoryWindowStore,
  splitCompositeKey,
  splitWindowChangelogKey,
  windowChangelogKey,
} from './windowStore.js';
