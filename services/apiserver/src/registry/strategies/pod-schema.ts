// The Pod fields Skiff supports (packages/api/src/types.ts). Anything else is refused by name.

import { S, type Schema } from '../schema.js';
import { conditionSchema, kindSchema, objectMetaSchema, resourceListSchema } from '../meta-schema.js';

const httpGetSchema = S.object({
  path: S.string,
  port: S.intOrString,
  host: S.string,
  scheme: S.string,
  httpHeaders: S.array(S.object({ name: S.string, value: S.string }, { required: ['name', 'value'] })),
}, { required: ['port'] });
const execSchema = S.object({ command: S.array(S.string) });
const tcpSocketSchema = S.object({ port: S.intOrString, host: S.string }, { required: ['port'] });

const probeSchema = S.object({
  exec: execSchema,
  httpGet: httpGetSchema,
  tcpSocket: tcpSocketSchema,
  initialDelaySeconds: S.integer,
  timeoutSeconds: S.integer,
  periodSeconds: S.integer,
  successThreshold: S.integer,
  failureThreshold: S.integer,
  terminationGracePeriodSeconds: S.integer,
});

const lifecycleHandlerSchema = S.object({ exec: execSchema, httpGet: httpGetSchema, tcpSocket: tcpSocketSchema, sleep: S.object({ seconds: S.integer }, { required: ['seconds'] }) });

const objectFieldSelectorSchema = S.object({ fieldPath: S.string, apiVersion: S.string }, { required: ['fieldPath'] });
const resourceFieldSelectorSchema = S.object({ containerName: S.string, resource: S.string, divisor: S.quantity }, { required: ['resource'] });
const keySelectorSchema = S.object({ name: S.string, key: S.string, optional: S.boolean }, { required: ['key'] });
const envSourceRefSchema = S.object({ name: S.string, optional: S.boolean });

const containerSchema = S.object({
  name: S.string,
  image: S.string,
  command: S.array(S.string),
  args: S.array(S.string),
  workingDir: S.string,
  env: S.array(
    S.object({
      name: S.string,
      value: S.string,
      valueFrom: S.object({
        configMapKeyRef: keySelectorSchema,
        secretKeyRef: keySelectorSchema,
        fieldRef: objectFieldSelectorSchema,
        resourceFieldRef: resourceFieldSelectorSchema,
      }),
    }, { required: ['name'] }),
  ),
  envFrom: S.array(S.object({ prefix: S.string, configMapRef: envSourceRefSchema, secretRef: envSourceRefSchema })),
  ports: S.array(S.object({ name: S.string, containerPort: S.integer, hostPort: S.integer, protocol: S.string }, { required: ['containerPort'] })),
  resources: S.object({ requests: resourceListSchema, limits: resourceListSchema }),
  volumeMounts: S.array(S.object({ name: S.string, mountPath: S.string, subPath: S.string, readOnly: S.boolean }, { required: ['name', 'mountPath'] })),
  livenessProbe: probeSchema,
  readinessProbe: probeSchema,
  startupProbe: probeSchema,
  lifecycle: S.object({ postStart: lifecycleHandlerSchema, preStop: lifecycleHandlerSchema }),
  terminationMessagePath: S.string,
  terminationMessagePolicy: S.string,
  imagePullPolicy: S.string,
  stdin: S.boolean,
  tty: S.boolean,
}, { required: ['name'] });

const keyToPathSchema = S.array(S.object({ key: S.string, path: S.string, mode: S.integer }, { required: ['key', 'path'] }));

const volumeSchema = S.object({
  name: S.string,
  emptyDir: S.object({ medium: S.string, sizeLimit: S.quantity }),
  hostPath: S.object({ path: S.string, type: S.string }, { required: ['path'] }),
  configMap: S.object({ name: S.string, items: keyToPathSchema, defaultMode: S.integer, optional: S.boolean }),
  secret: S.object({ secretName: S.string, items: keyToPathSchema, defaultMode: S.integer, optional: S.boolean }),
  downwardAPI: S.object({
    items: S.array(S.object({ path: S.string, fieldRef: objectFieldSelectorSchema, resourceFieldRef: resourceFieldSelectorSchema, mode: S.integer }, { required: ['path'] })),
    defaultMode: S.integer,
  }),
}, { required: ['name'] });

export const podSpecSchema: Schema = S.object({
  initContainers: S.array(containerSchema),
  containers: S.array(containerSchema),
  volumes: S.array(volumeSchema),
  restartPolicy: S.string,
  nodeName: S.string,
  nodeSelector: S.map(S.string),
  tolerations: S.array(S.object({ key: S.string, operator: S.string, value: S.string, effect: S.string, tolerationSeconds: S.integer })),
  terminationGracePeriodSeconds: S.integer,
  schedulerName: S.string,
  hostname: S.string,
  subdomain: S.string,
  dnsPolicy: S.string,
  dnsConfig: S.object({
    nameservers: S.array(S.string),
    searches: S.array(S.string),
    options: S.array(S.object({ name: S.string, value: S.string })),
  }),
  enableServiceLinks: S.boolean,
}, { required: ['containers'] });

const containerStateSchema = S.object({
  waiting: S.object({ reason: S.string, message: S.string }),
  running: S.object({ startedAt: S.string }),
  terminated: S.object({
    exitCode: S.integer,
    signal: S.integer,
    reason: S.string,
    message: S.string,
    startedAt: S.string,
    finishedAt: S.string,
    containerID: S.string,
  }, { required: ['exitCode'] }),
});

const containerStatusSchema = S.object({
  name: S.string,
  state: containerStateSchema,
  lastState: containerStateSchema,
  ready: S.boolean,
  started: S.boolean,
  restartCount: S.integer,
  image: S.string,
  imageID: S.string,
  containerID: S.string,
}, { required: ['name', 'ready', 'restartCount', 'image', 'imageID'] });

const podStatusSchema = S.object({
  phase: S.string,
  conditions: S.array(conditionSchema),
  message: S.string,
  reason: S.string,
  hostIP: S.string,
  podIP: S.string,
  podIPs: S.array(S.object({ ip: S.string }, { required: ['ip'] })),
  startTime: S.string,
  initContainerStatuses: S.array(containerStatusSchema),
  containerStatuses: S.array(containerStatusSchema),
  qosClass: S.string,
});

export const podTemplateSchema: Schema = S.object({ metadata: objectMetaSchema, spec: podSpecSchema });

export const podSchema: Schema = kindSchema({ spec: podSpecSchema, status: podStatusSchema });
