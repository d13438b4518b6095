// ConfigMaps (pkg/registry/core/configmap, ValidateConfigMap): `data` (text) and `binaryData`
// (base64) with valid, distinct keys, at most 1 MiB together, frozen once `immutable` is set.

import { RESOURCES, type ConfigMap, type FieldError } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { MAX_DATA_SIZE, decodeByteData, validateDataKeys, validateImmutableData } from '../validation/config-data.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';

const schema = kindSchema({ data: S.map(S.string), binaryData: S.map(S.string), immutable: S.boolean });

function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, subdomainName);
  errs.push(...validateDataKeys(cm.data, 'data'));
  let size = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    if (cm.binaryData?.[key] !== undefined) errs.push(fe.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(value, 'utf8');
  }
  errs.push(...validateDataKeys(cm.binaryData, 'binaryData'));
  const binary = decodeByteData(cm.binaryData, 'binaryData', false);
  errs.push(...binary.errors);
  for (const bytes of binary.values.values()) size += bytes.length;
  // Kubernetes reports the size against the whole object, whose field path prints as `[]`.
  if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('[]', MAX_DATA_SIZE));
  return errs;
}

export const configMapStrategy: Strategy<ConfigMap> = {
  info: RESOURCES.find((r) => r.resource === 'configmaps')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults() {},
  prepareForCreate() {},
  validate: validateConfigMap,
  validateUpdate(cm, old) {
    return validateImmutableData(cm, old, ['data', 'binaryData']);
  },
  validateStatus: () => [],
  selectableFields: () => ({}),
};
