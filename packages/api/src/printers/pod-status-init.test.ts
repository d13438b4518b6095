import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerState, ContainerStatus, Pod } from '../types.js';
import { podSummary } from './pod-status.js';

const now = Date.parse('2024-05-01T12:00:00Z');

function cs(name: string, state: ContainerState, over: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, state, lastState: {}, ready: false, restartCount: 0, image: 'img', imageID: '', ...over };
}

function pod(inits: ContainerStatus[], apps: ContainerStatus[], extra: Partial<NonNullable<Pod['status']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { initContainers: [{ name: 'i0', image: 'x' }, { name: 'i1', image: 'x' }], containers: [{ name: 'app', image: 'x' }] },
    status: { phase: 'Pending', initContainerStatuses: inits, containerStatuses: apps, ...extra },
  };
}

const waiting = (reason: string): ContainerState => ({ waiting: { reason } });
const done: ContainerState = { terminated: { exitCode: 0, reason: 'Completed' } };
const appWaiting = [cs('app', waiting('PodInitializing'))];

test('init containers not yet done: Init:N/M counts those that succeeded', () => {
  assert.equal(podSummary(pod([cs('i0', { running: {} }), cs('i1', waiting('PodInitializing'))], appWaiting), now).status, 'Init:0/2');
  assert.equal(podSummary(pod([cs('i0', done), cs('i1', { running: {} })], appWaiting), now).status, 'Init:1/2');
});

test('a crashing init container shows Init:CrashLoopBackOff, its restarts counted', () => {
  const s = podSummary(
    pod([cs('i0', waiting('CrashLoopBackOff'), { restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:59:30Z' } } }), cs('i1', waiting('PodInitializing'))], appWaiting),
    now,
  );
  assert.deepEqual(s, { ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '4 (30s ago)' });
});

test('a failed init container: Init:Error, or Init:ExitCode:N / Init:Signal:N without a reason', () => {
  assert.equal(podSummary(pod([cs('i0', { terminated: { exitCode: 1, reason: 'Error' } })], appWaiting, { phase: 'Failed' }), now).status, 'Init:Error');
  assert.equal(podSummary(pod([cs('i0', { terminated: { exitCode: 2 } })], appWaiting), now).status, 'Init:ExitCode:2');
  assert.equal(podSummary(pod([cs('i0', { terminated: { exitCode: 137, signal: 9 } })], appWaiting), now).status, 'Init:Signal:9');
});

test('all init containers done: the app containers decide (PodInitializing, then Running)', () => {
  assert.equal(podSummary(pod([cs('i0', done), cs('i1', done)], appWaiting), now).status, 'PodInitializing');
  const running = podSummary(pod([cs('i0', done, { restartCount: 2 }), cs('i1', done)], [cs('app', { running: {} }, { ready: true, restartCount: 1 })], { phase: 'Running' }), now);
  assert.deepEqual(running, { ready: '1/1', status: 'Running', restarts: '1' }, 'only the app containers count once initialized');
});

test('a pod marked Initialized counts its ready app containers even while an init status lags', () => {
  const p = pod([cs('i0', { running: {} })], [cs('app', { running: {} }, { ready: true })], { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }] });
  assert.deepEqual(podSummary(p, now), { ready: '1/1', status: 'Init:0/2', restarts: '0' });
  const notYet = pod([cs('i0', { running: {} })], [cs('app', { running: {} }, { ready: true })], { phase: 'Running' });
  assert.equal(podSummary(notYet, now).ready, '0/1');
});
