// Whether the apiserver serves a resource, as kube-controller-manager's discovery check before it
// starts a controller: one whose resource is not served is skipped with a warning instead of
// holding every other controller behind an informer that can never sync.

import { isApiError } from '@skiff/api';
import type { ApiClient } from '@skiff/client';

/** False only when the apiserver says it has no such resource type; other failures count as served (the informer retries). */
export async function isServed(client: Pick<ApiClient, 'list'>, resource: string): Promise<boolean> {
  try {
    await client.list(resource, { limit: 1 });
    return true;
  } catch (e) {
    return !(isApiError(e, 'NotFound') && /doesn't have a resource type/.test(e.message));
  }
}
