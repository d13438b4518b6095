import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enabledControllers, KNOWN_CONTROLLERS } from './controllers.js';

describe('enabledControllers (--controllers)', () => {
  it('* runs every controller', () => {
    assert.deepEqual(enabledControllers('*'), [...KNOWN_CONTROLLERS]);
    for (const name of ['replicaset', 'deployment', 'namespace', 'garbagecollector', 'nodelifecycle', 'disruption']) assert.ok(enabledControllers('*').includes(name as never), name);
  });
  it('names pick controllers and -name turns one off', () => {
    assert.deepEqual(enabledControllers('replicaset'), ['replicaset']);
    assert.deepEqual(enabledControllers('*,-garbagecollector'), KNOWN_CONTROLLERS.filter((n) => n !== 'garbagecollector'));
    assert.deepEqual(enabledControllers('disruption,nodelifecycle'), ['nodelifecycle', 'disruption']);
    assert.deepEqual(enabledControllers(['garbagecollector']), ['garbagecollector']);
    assert.deepEqual(enabledControllers(''), []);
  });
  it('rejects an unknown name, naming it', () => {
    assert.throws(() => enabledControllers('*,cronjob'), /"cronjob" is not in the list of known controllers/);
    assert.throws(() => enabledControllers('-statefulset'), /"statefulset"/);
  });
});
