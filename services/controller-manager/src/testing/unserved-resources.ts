// An API that does not serve some kinds (as an apiserver of an older version): listing them
// answers NotFound "the server doesn't have a resource type", everything else goes through.

import { ApiError } from '@skiff/api';
import type { FakeApi } from '@skiff/client/testing/fake-api';

export function withoutResources(api: FakeApi, resources: readonly string[]): FakeApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'list' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return (resource: string, ...rest: unknown[]) =>
        resources.includes(resource)
          ? Promise.reject(new ApiError('NotFound', `the server doesn't have a resource type "${resource}"`))
          : (value as (...a: unknown[]) => unknown).call(target, resource, ...rest);
    },
  });
}
