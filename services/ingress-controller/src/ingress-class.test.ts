import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATION_DEFAULT_INGRESS_CLASS, type Ingress, type IngressClass } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { ANNOTATION_INGRESS_CLASS, CONTROLLER_NAME, ensureIngressClass, ingressClassFor, servedByUs } from './ingress-class.js';

const sel = { className: 'skiff', controller: CONTROLLER_NAME };
const cls = (name: string, controller: string, isDefault = false): IngressClass => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, ...(isDefault && { annotations: { [ANNOTATION_DEFAULT_INGRESS_CLASS]: 'true' } }) },
  spec: { controller },
});
const ing = (spec: Ingress['spec'], annotations?: Record<string, string>): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'i', namespace: 'default', ...(annotations && { annotations }) },
  spec,
});

describe('servedByUs', () => {
  const ours = cls('skiff', CONTROLLER_NAME);
  const oursDefault = cls('skiff', CONTROLLER_NAME, true);
  const other = cls('nginx', 'k8s.io/ingress-nginx');
  const otherDefault = cls('nginx', 'k8s.io/ingress-nginx', true);

  it('ingressClassName naming a class of our controller', () => {
    assert.equal(servedByUs(ing({ ingressClassName: 'skiff' }), [ours, other], sel), true);
    assert.equal(servedByUs(ing({ ingressClassName: 'mine' }), [cls('mine', CONTROLLER_NAME)], sel), true, 'any class whose controller is ours');
  });
  it('ingressClassName naming another controller, or a class that does not exist', () => {
    assert.equal(servedByUs(ing({ ingressClassName: 'nginx' }), [ours, other], sel), false);
    assert.equal(servedByUs(ing({ ingressClassName: 'missing' }), [oursDefault], sel), false);
  });
  it('the legacy annotation must equal our class name', () => {
    assert.equal(servedByUs(ing({}, { [ANNOTATION_INGRESS_CLASS]: 'skiff' }), [], sel), true);
    assert.equal(servedByUs(ing({}, { [ANNOTATION_INGRESS_CLASS]: 'nginx' }), [oursDefault], sel), false);
  });
  it('ingressClassName wins over the annotation', () => {
    assert.equal(servedByUs(ing({ ingressClassName: 'nginx' }, { [ANNOTATION_INGRESS_CLASS]: 'skiff' }), [ours, other], sel), false);
  });
  it('no class: served only while our class is the default', () => {
    assert.equal(servedByUs(ing({}), [oursDefault], sel), true);
    assert.equal(servedByUs(ing({}), [ours, otherDefault], sel), false);
    assert.equal(servedByUs(ing({}), [], sel), false);
  });
});

describe('ensureIngressClass', () => {
  it('creates the class, default when asked', async () => {
    const api = new FakeApi();
    await ensureIngressClass(api, sel, true, silentLogger());
    const got = await api.get<IngressClass>('ingressclasses', '', 'skiff');
    assert.equal(got.spec.controller, CONTROLLER_NAME);
    assert.equal(got.metadata.annotations?.[ANNOTATION_DEFAULT_INGRESS_CLASS], 'true');
  });
  it('without --default-class the class carries no default annotation', () => {
    assert.equal(ingressClassFor(sel, false).metadata.annotations, undefined);
  });
  it('leaves an existing class alone', async () => {
    const api = new FakeApi();
    await api.create('ingressclasses', cls('skiff', CONTROLLER_NAME, false));
    await ensureIngressClass(api, sel, true, silentLogger());
    const got = await api.get<IngressClass>('ingressclasses', '', 'skiff');
    assert.equal(got.metadata.annotations?.[ANNOTATION_DEFAULT_INGRESS_CLASS], undefined);
    assert.equal(api.calls.filter((c) => c.verb === 'create' && c.resource === 'ingressclasses').length, 1);
  });
});
