import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enabledControllers } from './controllers.js';

describe('enabledControllers (--controllers)', () => {
  it('* runs every controller', () => {
    assert.deepEqual(enabledControllers('*'), ['replicaset', 'garbagecollector']);
  });
  it('names pick controllers and -name turns one off', () => {
    assert.deepEqual(enabledControllers('replicaset'), ['replicaset']);
    assert.deepEqual(enabledControllers('*,-garbagecollector'), ['replicaset']);
    assert.deepEqual(enabledControllers(['garbagecollector']), ['garbagecollector']);
    assert.deepEqual(enabledControllers(''), []);
  });
  it('rejects an unknown name, naming it', () => {
    assert.throws(() => enabledControllers('*,deployment'), /"deployment" is not in the list of known controllers/);
    assert.throws(() => enabledControllers('-nodelifecycle'), /"nodelifecycle"/);
  });
});
