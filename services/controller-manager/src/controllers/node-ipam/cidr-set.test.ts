import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CidrSet } from './cidr-set.js';

describe('CidrSet', () => {
  it('hands out the lowest free block, and a released one again', () => {
    const set = new CidrSet('10.244.0.0/16', 24);
    assert.equal(set.size, 256);
    assert.equal(set.allocateNext(), '10.244.0.0/24');
    assert.equal(set.allocateNext(), '10.244.1.0/24');
    assert.equal(set.allocateNext(), '10.244.2.0/24');
    set.release('10.244.1.0/24');
    assert.equal(set.count(), 2);
    assert.equal(set.allocateNext(), '10.244.1.0/24');
    assert.equal(set.allocateNext(), '10.244.3.0/24');
  });

  it('marks existing blocks used, and ignores ones outside the cluster CIDR', () => {
    const set = new CidrSet('10.244.0.0/16', 24);
    assert.equal(set.occupy('10.244.0.0/24'), true);
    assert.equal(set.occupy('10.244.2.0/24'), true);
    assert.equal(set.occupy('10.10.0.0/24'), false);
    assert.equal(set.occupy('garbage'), false);
    assert.equal(set.allocateNext(), '10.244.1.0/24');
    assert.equal(set.allocateNext(), '10.244.3.0/24');
    // A wider block covers several.
    set.occupy('10.244.4.0/23');
    assert.equal(set.allocateNext(), '10.244.6.0/24');
  });

  it('runs out', () => {
    const set = new CidrSet('10.0.0.0/30', 31);
    assert.deepEqual([set.allocateNext(), set.allocateNext(), set.allocateNext()], ['10.0.0.0/31', '10.0.0.2/31', undefined]);
  });

  it('refuses a mask shorter than the cluster prefix or more than 16 bits longer', () => {
    assert.throws(() => new CidrSet('10.244.0.0/16', 8), /must be between the cluster CIDR's prefix \(16\) and 32/);
    assert.throws(() => new CidrSet('10.0.0.0/8', 25), /too big/);
    assert.throws(() => new CidrSet('nope/8', 24), /is not a CIDR/);
    assert.equal(new CidrSet('10.0.0.0/8', 24).size, 65536);
  });
});
