// The shared store contract against each backend: in memory, and LMDB in a fresh directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LmdbStoreProvider } from '../../../processors/stores/lmdbStoreProvider.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { storeContract } from './storeContract.js';

storeContract({ name: 'in-memory', create: (definitions) => new InMemoryStoreProvider(definitions) });

const root = mkdtempSync(join(tmpdir(), 'tmbus-contract-'));
const opened: LmdbStoreProvider[] = [];
let n = 0;
afterAll(async () => {
  for (const p of opened) await p.close();
  rmSync(root, { recursive: true, force: true });
});

storeContract({
  name: 'LMDB',
  create: (definitions) => {
    const provider = new LmdbStoreProvider(join(root, `task-${n++}`), definitions);
    opened.push(provider);
    return provider;
  },
});
