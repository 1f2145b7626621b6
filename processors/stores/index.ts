// State stores: the contract (types.ts) and its in-memory implementation used by every runner.
export * from './jsonSerde.js';
export { InMemoryKeyValueStore } from './keyValueStore.js';
export { InMemorySessionStore } from './sessionStore.js';
export { InMemoryStoreProvider } from './storeProvider.js';
export type * from './types.js';
export { compositeKey, InMemoryWindowStore, splitCompositeKey } from './windowStore.js';
