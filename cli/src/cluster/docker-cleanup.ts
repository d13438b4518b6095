// Removes what the kubelets of a cluster left in Docker: containers and networks labelled
// skiff.io/node=<node>. Only the kubelet talks to Docker through dockerode; the CLI uses the
// `docker` command for this one chore.

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
