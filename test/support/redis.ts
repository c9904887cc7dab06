/** Waiting on a real redis-server (test/support/servers.ts starts one) from a test's side. */
import { Redis } from 'ioredis';

import { eventually } from '../proxy/helpers';

/** Resolves once `key` exists in Redis (a background write has landed); fails the test otherwise. */
export async function landed(url: string, key: string): Promise<void> {
  const raw = new Redis(url);
  try {
    expect(await eventually(async () => (await raw.exists(key)) === 1)).toBe(true);
  } finally {
    raw.disconnect();
  }
}
