import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';

describe('ControllerExpectations', () => {
  it('an owner with no record is satisfied', () => {
    const e = new ControllerExpectations(new FakeClock());
    assert.equal(e.satisfied('default/web'), true);
  });

  it('is unsatisfied until every expected creation is observed', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('default/web', 3);
    assert.equal(e.satisfied('default/web'), false);
    e.creationObserved('default/web');
    e.creationObserved('default/web');
    assert.equal(e.satisfied('default/web'), false);
    e.creationObserved('default/web');
    assert.equal(e.satisfied('default/web'), true);
    assert.equal(e.satisfied('default/other'), true, 'keys are independent');
  });

  it('counts each expected deletion once, however it is observed', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectDeletions('default/web', ['default/web-a', 'default/web-b']);
    e.deletionObserved('default/web', 'default/web-a'); // deletionTimestamp set
    e.deletionObserved('default/web', 'default/web-a'); // then the pod disappears: not counted again
    assert.equal(e.satisfied('default/web'), false);
    e.deletionObserved('default/web', 'default/unrelated');
    assert.equal(e.satisfied('default/web'), false, 'a pod we did not delete does not count');
    e.deletionObserved('default/web', 'default/web-b');
    assert.equal(e.satisfied('default/web'), true);
  });

  it('expires after the timeout so a missed event cannot wedge the owner', () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock);
    e.expectCreations('default/web', 2);
    clock.advance(EXPECTATIONS_TIMEOUT_MS - 1);
    assert.equal(e.satisfied('default/web'), false);
    assert.equal(e.msUntilExpiry('default/web'), 2);
    clock.advance(2);
    assert.equal(e.satisfied('default/web'), true);
    assert.equal(e.msUntilExpiry('default/web'), undefined);
  });

  it('delete forgets the owner', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('default/web', 1);
    e.delete('default/web');
    assert.equal(e.satisfied('default/web'), true);
    assert.equal(e.pending('default/web'), undefined);
  });
});
