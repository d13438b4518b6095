import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from './memory-storage.js';
import { StorageUnavailable } from './storage.js';
import { storageContract, WatchRecorder } from './storage-contract.js';

storageContract('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return { storage, cleanup: () => storage.close() };
});

describe('MemoryStorage', () => {
  it('starts at revision 1 with the first write at 2, as a fresh etcd does', async () => {
    const storage = new MemoryStorage();
    assert.equal(await storage.revision(), 1);
    assert.equal(await storage.create('/registry/pods/ns/a', '{}'), 2);
  });

  it('delivers events asynchronously, never inside the writer', async () => {
    const storage = new MemoryStorage();
    const w = new WatchRecorder(storage, '/registry/pods/', 1);
    const written = storage.create('/registry/pods/ns/a', '{}');
    const seenInline = w.events.length;
    await written;
    await w.untilEvents(1);
    assert.equal(seenInline, 0);
    await w.close();
    assert.equal(storage.watchCount(), 0);
  });

  it('fails calls with StorageUnavailable after close', async () => {
    const storage = new MemoryStorage();
    await storage.close();
    await assert.rejects(storage.get('/x'), StorageUnavailable);
  });
});
