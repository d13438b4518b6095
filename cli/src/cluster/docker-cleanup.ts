// The CLI's few Docker chores, through the `docker` command (only the kubelet talks to Docker
// through dockerode): removing what the kubelets of a cluster left (containers and networks
// labelled skiff.io/node=<node>), listing the networks' subnets (so a cluster's address plan
// avoids them), and checking the engine and the images before a start.

import { execFile } from 'node:child_process';

function docker(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new Error(code === 'ENOENT' ? 'docker command not found' : `docker ${args[0] ?? ''}: ${stderr.trim() || err.message}`));
      } else resolve(stdout);
    });
  });
}

function ids(output: string): string[] {
  return [...new Set(output.split('\n').map((l) => l.trim()).filter((l) => l.length > 0))];
}

export interface DockerCleanup {
  containers: number;
  networks: number;
}

/** Force-removes the containers, then the networks, labelled skiff.io/node=<each node>. */
export async function removeNodeResources(nodes: readonly string[]): Promise<DockerCleanup> {
  if (nodes.length === 0) return { containers: 0, networks: 0 };
  // One query per node: several label filters in one query must all match.
  const containerIds = ids((await Promise.all(nodes.map((n) => docker(['ps', '-aq', '--no-trunc', '--filter', `label=skiff.io/node=${n}`])))).join('\n'));
  if (containerIds.length > 0) await docker(['rm', '-f', '-v', ...containerIds]);
  const networkIds = ids((await Promise.all(nodes.map((n) => docker(['network', 'ls', '-q', '--no-trunc', '--filter', `label=skiff.io/node=${n}`])))).join('\n'));
  if (networkIds.length > 0) await docker(['network', 'rm', ...networkIds]);
  return { containers: containerIds.length, networks: networkIds.length };
}

/** Undefined when the Docker engine answers, else why not. */
export async function dockerProblem(): Promise<string | undefined> {
  try {
    await docker(['version', '--format', '{{.Server.Version}}'], 15_000);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Which of `images` are not present locally (none is ever pulled). */
export async function missingImages(images: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const image of images) {
    try {
      await docker(['image', 'inspect', '--format', '{{.Id}}', image], 15_000);
    } catch {
      missing.push(image);
    }
  }
  return missing;
}

export interface DockerNetwork {
  name: string;
  subnets: string[];
  /** Its skiff.io/node label: the node whose kubelet made it, if one did. */
  node?: string;
}

/** Every Docker network with its IPv4/IPv6 subnets. */
export async function dockerNetworks(): Promise<DockerNetwork[]> {
  const networkIds = ids(await docker(['network', 'ls', '-q', '--no-trunc']));
  if (networkIds.length === 0) return [];
  const text = await docker(['network', 'inspect', '--format', '{{json .Name}}\t{{json .IPAM.Config}}\t{{json .Labels}}', ...networkIds]);
  const out: DockerNetwork[] = [];
  for (const line of text.split('\n')) {
    const [name, ipam, labels] = line.split('\t');
    if (name === undefined || ipam === undefined || name.trim() === '') continue;
    try {
      const config = (JSON.parse(ipam) as Array<{ Subnet?: string }> | null) ?? [];
      const lbls = labels ? ((JSON.parse(labels) as Record<string, string> | null) ?? {}) : {};
      const node = lbls['skiff.io/node'];
      out.push({ name: JSON.parse(name) as string, subnets: config.map((c) => c.Subnet ?? '').filter((s) => s !== ''), ...(node ? { node } : {}) });
    } catch {
      // a network removed meanwhile, or an answer we do not understand: skip it
    }
  }
  return out;
}
