#!/usr/bin/env node
// House rule (style.md, habit 1): only the apiserver talks to etcd and only the kubelet talks to
// Docker; everyone else goes through the API. Benchmarks and end-to-end suites may use dockerode to
// measure or inspect the engine, and benchmarks etcd3 to measure the raw etcd baseline they compare
// against; never product code.

import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rules = [
  { module: 'etcd3', allowed: ['services/apiserver/', 'bench/'] },
  { module: 'dockerode', allowed: ['services/kubelet/', 'bench/', 'e2e/'] },
];

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(p);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield p;
  }
}

const problems = [];
for (const file of sources(root)) {
  const rel = path.relative(root, file);
  const text = fs.readFileSync(file, 'utf8');
  for (const { module, allowed } of rules) {
    const imports = new RegExp(`(from\\s+|import\\s*\\(\\s*|require\\s*\\(\\s*)['"]${module}['"]`);
    if (imports.test(text) && !allowed.some((a) => rel.startsWith(a))) {
      problems.push(`${rel} imports ${module}; only ${allowed.join(', ')} may`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('imports: ok');
