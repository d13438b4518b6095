// The data of `create configmap` and `create secret generic`, read as kubectl reads it
// (cmd/util/helpers.go ParseLiteralSource/ParseFileSource/AddFromEnvFile, create_configmap.go,
// create_secret.go): files first (`[key=]path`, a directory adds each regular file in it), then
// literals (`key=value`), then env files (`KEY=value` lines, `#` comments; a bare `KEY` takes the
// value from the environment). Each key is checked and may come only once.

import fs from 'node:fs';
import path from 'node:path';
import { type ConfigMap, isConfigMapKey, isEnvVarName, type Secret } from '@skiff/api';
import { CliError } from '../../errors.js';

export interface DataSourceFlags {
  fromFile?: string[];
  fromLiteral?: string[];
  fromEnvFile?: string[];
}

/** Where a key's value came from: a file's bytes may be binary, a literal or env line is text. */
export type SourceKind = 'file' | 'text';

/** Adds one key; throws when the key is not allowed. */
export type AddKey = (key: string, value: Buffer, kind: SourceKind) => void;

export function parseLiteralSource(source: string): { key: string; value: string } {
  const eq = source.indexOf('=');
  if (eq <= 0) throw new CliError(`error: invalid literal source ${source}, expected key=value`);
  return { key: source.slice(0, eq), value: source.slice(eq + 1) };
}

/** `[key=]path`: the key defaults to the file's base name. */
export function parseFileSource(source: string): { key: string; file: string } {
  const separators = source.split('=').length - 1;
  if (separators === 0) return { key: path.posix.basename(source.replaceAll('\\', '/')), file: source };
  if (separators > 1) throw new CliError("error: key names or file paths cannot contain '='");
  const [key = '', file = ''] = source.split('=');
  if (key === '') throw new CliError(`error: key name for file path ${file} missing`);
  if (file === '') throw new CliError(`error: file path for key name ${key} missing`);
  return { key, file };
}

const GO_ERRNO: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', ENOTDIR: 'not a directory' };

function statOrFail(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`error: error reading ${file}: ${GO_ERRNO[code] ?? (e instanceof Error ? e.message : String(e))}`);
  }
}

function readOrFail(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new CliError(`error: open ${file}: ${GO_ERRNO[code] ?? (e instanceof Error ? e.message : String(e))}`);
  }
}

/** cmdutil.AddFromEnvFile: one key per `KEY=value` line (blank lines and `#` comments skipped). */
export function parseEnvFile(text: string, env: Readonly<Record<string, string | undefined>>): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    const errs = isEnvVarName(key);
    if (errs.length > 0) throw new CliError(`error: ${JSON.stringify(key)} is not a valid key name: ${errs.join(';')}`);
    out.push({ key, value: eq < 0 ? (env[key] ?? '') : line.slice(eq + 1) });
  }
  return out;
}

/** Reads every source in kubectl's order and hands each key to `add`. `what` names the kind in messages (config, secret). */
export function readDataSources(flags: Readonly<DataSourceFlags>, add: AddKey, what: 'config' | 'secret', env: Readonly<Record<string, string | undefined>> = process.env): void {
  const envFiles = flags.fromEnvFile ?? [];
  if (envFiles.length > 0 && ((flags.fromFile ?? []).length > 0 || (flags.fromLiteral ?? []).length > 0)) {
    throw new CliError('error: from-env-file cannot be combined with from-file or from-literal');
  }
  for (const source of flags.fromFile ?? []) {
    const { key, file } = parseFileSource(source);
    if (statOrFail(file).isDirectory()) {
      if (source.includes('=')) throw new CliError('error: cannot give a key name for a directory path');
      for (const entry of fs.readdirSync(file, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (entry.isFile()) add(entry.name, readOrFail(path.join(file, entry.name)), 'file');
      }
    } else {
      add(key, readOrFail(file), 'file');
    }
  }
  for (const source of flags.fromLiteral ?? []) {
    const { key, value } = parseLiteralSource(source);
    add(key, Buffer.from(value, 'utf8'), 'text');
  }
  for (const file of envFiles) {
    if (statOrFail(file).isDirectory()) throw new CliError(`error: env ${what} file cannot be a directory`);
    for (const { key, value } of parseEnvFile(readOrFail(file).toString('utf8'), env)) add(key, Buffer.from(value, 'utf8'), 'text');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(value: Buffer): string | undefined {
  try {
    return utf8.decode(value);
  } catch {
    return undefined;
  }
}

/** The ConfigMap kubectl's createConfigMap makes: text into `data`, non-UTF-8 file contents into `binaryData`. */
export function buildConfigMap(name: string, namespace: string | undefined, flags: Readonly<DataSourceFlags>, env?: Readonly<Record<string, string | undefined>>): ConfigMap {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  const add: AddKey = (key, value, kind) => {
    const errs = isConfigMapKey(key);
    if (errs.length > 0) throw new CliError(`error: ${JSON.stringify(key)} is not a valid key name for a ConfigMap: ${errs.join(',')}`);
    if (key in data) throw new CliError(`error: cannot add key ${JSON.stringify(key)}, another key by that name already exists in Data for ConfigMap ${JSON.stringify(name)}`);
    if (key in binaryData) throw new CliError(`error: cannot add key ${JSON.stringify(key)}, another key by that name already exists in BinaryData for ConfigMap ${JSON.stringify(name)}`);
    const text = kind === 'text' ? value.toString('utf8') : decodeUtf8(value);
    if (text === undefined) binaryData[key] = value.toString('base64');
    else data[key] = text;
  };
  readDataSources(flags, add, 'config', env);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(Object.keys(data).length > 0 ? { data } : {}),
    ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}),
  };
}

/** The data of a Secret from the sources: every value base64-encoded. */
export function secretData(flags: Readonly<DataSourceFlags>, env?: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const data: Record<string, string> = {};
  readDataSources(
    flags,
    (key, value) => {
      const errs = isConfigMapKey(key);
      if (errs.length > 0) throw new CliError(`error: ${JSON.stringify(key)} is not valid key name for a Secret ${errs.join(';')}`);
      if (key in data) throw new CliError(`error: cannot add key ${key}, another key by that name already exists`);
      data[key] = value.toString('base64');
    },
    'secret',
    env,
  );
  return data;
}

export function newSecret(name: string, namespace: string | undefined, type: string, data: Record<string, string>): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    ...(type ? { type } : {}),
    ...(Object.keys(data).length > 0 ? { data } : {}),
  };
}

export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';

export interface DockerRegistryAuth {
  server: string;
  username: string;
  password: string;
  email?: string;
}

/** create_secret_docker.go's handleDockerCfgJSONContent: `{"auths":{SERVER:{username,password,email,auth}}}`. */
export function dockerConfigJson(a: Readonly<DockerRegistryAuth>): string {
  const auth = Buffer.from(`${a.username}:${a.password}`, 'utf8').toString('base64');
  const entry = { ...(a.username ? { username: a.username } : {}), ...(a.password ? { password: a.password } : {}), ...(a.email ? { email: a.email } : {}), ...(auth ? { auth } : {}) };
  return JSON.stringify({ auths: { [a.server]: entry } });
}
