// The Pod fields Skiff supports (packages/api/src/types.ts). Anything else is refused by name.

import { S, type Schema } from '../schema.js';
import { conditionSchema, kindSchema, objectMetaSchema, resourceListSchema } from '../meta-schema.js';

const containerSchema = S.object({
  name: S.string,
  image: S.string,
  command: S.array(S.string),
  args: S.array(S.string),
  workingDir: S.string,
  env: S.array(S.object({ name: S.string, value: S.string })),
  ports: S.array(S.object({ name: S.string, containerPort: S.integer, hostPort: S.integer, protocol: S.string })),
  resources: S.object({ requests: resourceListSchema, limits: resourceListSchema }),
  imagePullPolicy: S.string,
});

export const podSpecSchema: Schema = S.object({
  containers: S.array(containerSchema),
  restartPolicy: S.string,
  nodeName: S.string,
  nodeSelector: S.map(S.string),
  tolerations: S.array(S.object({ key: S.string, operator: S.string, value: S.string, effect: S.string, tolerationSeconds: S.integer })),
  terminationGracePeriodSeconds: S.integer,
  schedulerName: S.string,
  hostname: S.string,
});

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
  }),
});

const podStatusSchema = S.object({
  phase: S.string,
  conditions: S.array(conditionSchema),
  message: S.string,
  reason: S.string,
  hostIP: S.string,
  podIP: S.string,
  podIPs: S.array(S.object({ ip: S.string })),
  startTime: S.string,
  containerStatuses: S.array(
    S.object({
      name: S.string,
      state: containerStateSchema,
      lastState: containerStateSchema,
      ready: S.boolean,
      started: S.boolean,
      restartCount: S.integer,
      image: S.string,
      imageID: S.string,
      containerID: S.string,
    }),
  ),
  qosClass: S.string,
});

export const podTemplateSchema: Schema = S.object({ metadata: objectMetaSchema, spec: podSpecSchema });

export const podSchema: Schema = kindSchema({ spec: podSpecSchema, status: podStatusSchema });
