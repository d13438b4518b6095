// A pod's volumes and a container's volume mounts (pkg/apis/core/validation ValidateVolumes,
// validateVolumeSource, ValidateVolumeMounts), for the sources Skiff supports: emptyDir, hostPath,
// secret, downwardAPI and configMap.

import { type DownwardAPIVolumeFile, type FieldError, isDNS1123Label, type KeyToPath, parseQuantity, type Volume, type VolumeMount } from '@skiff/api';
import { validateObjectFieldSelector, validateResourceFieldSelector } from './env.js';
import { fe } from './field-errors.js';
import { QUANTITY_MESSAGE } from './quantity.js';

const FILE_MODE_MESSAGE = 'must be a number between 0 and 0777 (octal), both inclusive';
/** HostPathType values, sorted as Kubernetes lists them. */
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const MEDIA = ['', 'Memory'];
/** validVolumeDownwardAPIFieldPathExpressions. */
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

/** validatePathNoBacksteps: no `..` element. */
export function validatePathNoBacksteps(target: string, path: string): FieldError[] {
  return target.split('/').includes('..') ? [fe.invalid(path, target, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative and without `..`. */
export function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs = target.startsWith('/') ? [fe.invalid(path, target, 'must be a relative path')] : [];
  return [...errs, ...validatePathNoBacksteps(target, path)];
}

/** ValidateLocalNonReservedPath: a descending path that does not start with `..`. */
function validateLocalNonReservedPath(target: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(fe.invalid(path, target, "must not start with '..'"));
  return errs;
}

function validateMode(mode: number | undefined, path: string): FieldError[] {
  return mode !== undefined && (mode < 0 || mode > 0o777) ? [fe.invalid(path, mode, FILE_MODE_MESSAGE)] : [];
}

function validateKeyToPath(kp: KeyToPath, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!kp.key) errs.push(fe.required(`${path}.key`));
  if (!kp.path) errs.push(fe.required(`${path}.path`));
  errs.push(...validateLocalNonReservedPath(kp.path ?? '', `${path}.path`));
  errs.push(...validateMode(kp.mode, `${path}.mode`));
  return errs;
}

function validateObjectVolume(
  src: { items?: KeyToPath[]; defaultMode?: number },
  nameField: string,
  name: string | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = name ? [] : [fe.required(`${path}.${nameField}`)];
  errs.push(...validateMode(src.defaultMode, `${path}.defaultMode`));
  (src.items ?? []).forEach((kp, i) => errs.push(...validateKeyToPath(kp, `${path}.items[${i}]`)));
  return errs;
}

function validateDownwardAPIFile(file: DownwardAPIVolumeFile, path: string): FieldError[] {
  const errs: FieldError[] = file.path ? [] : [fe.required(`${path}.path`)];
  errs.push(...validateLocalNonReservedPath(file.path ?? '', `${path}.path`));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, VOLUME_FIELD_PATHS, `${path}.fieldRef`));
    if (file.resourceFieldRef) errs.push(fe.invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, `${path}.resourceFieldRef`, true));
  } else {
    errs.push(fe.required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(file.mode, `${path}.mode`));
  return errs;
}

/** validateVolumeSource: exactly one source, each checked. */
function validateVolumeSource(vol: Volume, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const checks: [keyof Volume, () => FieldError[]][] = [
    [
      'emptyDir',
      () => {
        const e: FieldError[] = [];
        const medium = vol.emptyDir?.medium;
        if (medium !== undefined && !MEDIA.includes(medium)) e.push(fe.notSupported(`${path}.emptyDir.medium`, medium, MEDIA));
        const limit = vol.emptyDir?.sizeLimit;
        const size = parseQuantity(limit);
        if (limit !== undefined && size === undefined) e.push(fe.invalid(`${path}.emptyDir.sizeLimit`, limit, QUANTITY_MESSAGE));
        else if (size !== undefined && size < 0) e.push(fe.forbidden(`${path}.emptyDir.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
        return e;
      },
    ],
    [
      'hostPath',
      () => {
        const hp = vol.hostPath;
        if (!hp?.path) return [fe.required(`${path}.hostPath.path`)];
        const e = validatePathNoBacksteps(hp.path, `${path}.hostPath.path`);
        if (hp.type !== undefined && !HOST_PATH_TYPES.includes(hp.type)) e.push(fe.notSupported(`${path}.hostPath.type`, hp.type, HOST_PATH_TYPES));
        return e;
      },
    ],
    ['secret', () => validateObjectVolume(vol.secret ?? {}, 'secretName', vol.secret?.secretName, `${path}.secret`)],
    [
      'downwardAPI',
      () => {
        const e = validateMode(vol.downwardAPI?.defaultMode, `${path}.downwardAPI.defaultMode`);
        (vol.downwardAPI?.items ?? []).forEach((f, i) => e.push(...validateDownwardAPIFile(f, `${path}.downwardAPI.items[${i}]`)));
        return e;
      },
    ],
    ['configMap', () => validateObjectVolume(vol.configMap ?? {}, 'name', vol.configMap?.name, `${path}.configMap`)],
  ];
  let count = 0;
  for (const [source, check] of checks) {
    if (vol[source] === undefined) continue;
    if (count > 0) {
      errs.push(fe.forbidden(`${path}.${source}`, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...check());
  }
  if (count === 0) errs.push(fe.required(path, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: the names of the valid volumes (what mounts may refer to) and the problems. */
export function validateVolumes(volumes: readonly Volume[] | undefined, path: string): { names: Set<string>; errors: FieldError[] } {
  const names = new Set<string>();
  const errors: FieldError[] = [];
  (volumes ?? []).forEach((vol, i) => {
    const p = `${path}[${i}]`;
    const el = validateVolumeSource(vol, p);
    if (!vol.name) el.push(fe.required(`${p}.name`));
    else for (const m of isDNS1123Label(vol.name)) el.push(fe.invalid(`${p}.name`, vol.name, m));
    if (names.has(vol.name)) el.push(fe.duplicate(`${p}.name`, vol.name));
    if (el.length === 0) names.add(vol.name);
    else errors.push(...el);
  });
  return { names, errors };
}

/** ValidateVolumeMounts: each mount names a valid volume, at a path unique in the container. */
export function validateVolumeMounts(mounts: readonly VolumeMount[] | undefined, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) errs.push(fe.required(`${p}.name`));
    if (!volumes.has(m.name)) errs.push(fe.notFound(`${p}.name`, m.name ?? ''));
    if (!m.mountPath) errs.push(fe.required(`${p}.mountPath`));
    if (mountPoints.has(m.mountPath)) errs.push(fe.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    mountPoints.add(m.mountPath);
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${p}.subPath`));
  });
  return errs;
}

