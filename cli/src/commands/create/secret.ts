// skiff create secret generic NAME [--type T] [--from-file ...] [--from-literal ...]
// [--from-env-file ...] and skiff create secret docker-registry NAME --docker-server S
// --docker-username U --docker-password P [--docker-email E]: kubectl's generated Secrets (values
// base64-encoded into `data`; a `kubernetes.io/dockerconfigjson` one for a registry login),
// printed as `secret/NAME created`.

import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { collect, withContext, type Io } from '../common.js';
import { createAndPrint, oneName, withDataSourceOptions, type CreateDataFlags } from './configmap.js';
import { DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE, dockerConfigJson, newSecret, secretData } from './data-sources.js';
import { createSetup, type CreateFlags } from './print-created.js';

const failure = (m: string): string => `failed to create secret ${m}`;

export interface CreateSecretGenericFlags extends CreateDataFlags {
  type?: string;
}

export async function runCreateSecretGeneric(ctx: CliContext, io: Io, names: string[], flags: CreateSecretGenericFlags): Promise<number> {
  const name = oneName(names, 'secret generic');
  createSetup('secrets', flags);
  const secret = newSecret(name, ctx.namespaceExplicit ? ctx.namespace : undefined, flags.type ?? '', secretData(flags));
  return createAndPrint(ctx, io, 'secrets', secret, flags, failure);
}

export interface CreateSecretDockerFlags extends CreateFlags {
  dockerServer: string;
  dockerUsername?: string;
  dockerPassword?: string;
  dockerEmail?: string;
  fromFile?: string[];
}

export async function runCreateSecretDocker(ctx: CliContext, io: Io, names: string[], flags: CreateSecretDockerFlags): Promise<number> {
  const name = oneName(names, 'secret docker-registry');
  const files = (flags.fromFile ?? []).map((f) => (f.includes('=') ? f : `${DOCKER_CONFIG_JSON_KEY}=${f}`));
  if (files.length === 0 && (!flags.dockerUsername || !flags.dockerPassword || !flags.dockerServer)) {
    throw new CliError('error: either --from-file or the combination of --docker-username, --docker-password and --docker-server is required');
  }
  createSetup('secrets', flags);
  const data = files.length > 0 ? secretData({ fromFile: files }) : {};
  if (flags.dockerUsername && flags.dockerPassword) {
    const json = dockerConfigJson({ server: flags.dockerServer, username: flags.dockerUsername, password: flags.dockerPassword, ...(flags.dockerEmail ? { email: flags.dockerEmail } : {}) });
    data[DOCKER_CONFIG_JSON_KEY] = Buffer.from(json, 'utf8').toString('base64');
  }
  const secret = newSecret(name, ctx.namespaceExplicit ? ctx.namespace : undefined, DOCKER_CONFIG_JSON_TYPE, data);
  return createAndPrint(ctx, io, 'secrets', secret, flags, failure);
}

export function createSecretCommand(): Command {
  const generic = withDataSourceOptions(
    new Command('generic').description('Create a secret from files, directories, literal values or env files').argument('[name...]', 'NAME'),
  )
    .option('--type <type>', 'the type of the secret (default: Opaque)')
    .action(withContext((ctx, io, names: string[], flags: CreateSecretGenericFlags) => runCreateSecretGeneric(ctx, io, names, flags)));
  const docker = new Command('docker-registry')
    .description('Create a secret for use with a Docker registry')
    .argument('[name...]', 'NAME')
    .option('--docker-server <server>', 'the registry server', 'https://index.docker.io/v1/')
    .option('--docker-username <username>', 'the registry user name')
    .option('--docker-password <password>', 'the registry password')
    .option('--docker-email <email>', 'the registry e-mail address')
    .option('--from-file <source>', 'a ready .dockerconfigjson file ([key=]path); repeatable', collect)
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .option('-o, --output <format>', 'print the object: yaml, json or name')
    .action(withContext((ctx, io, names: string[], flags: CreateSecretDockerFlags) => runCreateSecretDocker(ctx, io, names, flags)));
  return new Command('secret').description('Create a secret (generic or docker-registry)').addCommand(generic).addCommand(docker);
}
