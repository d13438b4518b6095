import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { NodeResourcesFit } from './node-resources-fit.js';

describe('NodeResourcesFit', () => {
  const node = makeNode('n', { cpu: '1', memory: '1Gi', pods: '3' });

  it('fits when requests plus what is bound stay within allocatable, exactly at the limit too', () => {
    const bound = [makePod('a', { nodeName: 'n', cpu: '0.5', memory: '512Mi' })];
    const pod = makePod('p', { cpu: '500m', memory: '512Mi' });
    assert.deepEqual(NodeResourcesFit.filter(pod, newNodeInfo(node, bound)), { ok: true });
  });

  it('reports Insufficient cpu when the bound pods leave too little', () => {
    const bound = [makePod('a', { nodeName: 'n', cpu: '600m' })];
    assert.deepEqual(NodeResourcesFit.filter(makePod('p', { cpu: '0.5' }), newNodeInfo(node, bound)), {
      ok: false,
      reasons: ['Insufficient cpu'],
    });
  });

  it('reports Insufficient memory from 128Mi-style quantities', () => {
    const bound = [makePod('a', { nodeName: 'n', memory: '900Mi' })];
    assert.deepEqual(NodeResourcesFit.filter(makePod('p', { memory: '128Mi' }), newNodeInfo(node, bound)), {
      ok: false,
      reasons: ['Insufficient memory'],
    });
  });

  it('reports every shortage at once', () => {
    const pod = makePod('p', { cpu: '2', memory: '2Gi' });
    assert.deepEqual(NodeResourcesFit.filter(pod, newNodeInfo(node)), { ok: false, reasons: ['Insufficient cpu', 'Insufficient memory'] });
  });

  it('reports Too many pods when the node is at its pod count', () => {
    const bound = ['a', 'b', 'c'].map((n) => makePod(n, { nodeName: 'n' }));
    assert.deepEqual(NodeResourcesFit.filter(makePod('p'), newNodeInfo(node, bound)), { ok: false, reasons: ['Too many pods'] });
  });

  it('a pod without requests fits a node whose resources are all taken', () => {
    const bound = [makePod('a', { nodeName: 'n', cpu: '1', memory: '1Gi' })];
    assert.equal(NodeResourcesFit.filter(makePod('p'), newNodeInfo(node, bound)).ok, true);
  });

  it('sums the containers of a multi-container pod', () => {
    const pod = makePod('p', { containers: [{ cpu: '600m' }, { cpu: '0.5' }] });
    assert.deepEqual(NodeResourcesFit.filter(pod, newNodeInfo(node)).ok, false);
  });
});
