#!/usr/bin/env node
// kube-proxy programs Service forwarding on each host. Skiff has no Service kind yet (issue 5
// brings Services, Endpoints and this proxy's real work), so this process refuses to start rather
// than pretend to forward anything.

process.stderr.write(
  'kube-proxy: not implemented yet: Skiff does not serve Services until the networking issue lands; nothing to program.\n',
);
process.exit(1);
