import { describe, expect, it } from 'vitest';
import { minutes, storeBackends } from './backends.js';

describe.each(storeBackends())('lease contract ($name)', (backend) => {
  let now = minutes(0);
  const passTime = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  // Each test takes its own lease name: the real leases share one collection.
  const newLease = () => backend.lease(() => now);

  it('when owners race for a free lease, then exactly one gets it and only it renews', async () => {
    const lease = newLease();
    const owners = Array.from({ length: 8 }, (_, i) => `owner-${i}`);
    const results = await Promise.all(owners.map((owner) => lease.acquire('race', owner, 1_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const holder = owners[results.indexOf(true)] ?? '';
    passTime(999);
    expect(await lease.acquire('race', holder, 1_000)).toBe(true);
    passTime(999);
    expect(await lease.acquire('race', 'intruder', 1_000)).toBe(false);
  });

  it('when a lease expires, then another owner takes it', async () => {
    const lease = newLease();
    expect(await lease.acquire('expiry', 'first', 1_000)).toBe(true);
    passTime(999);
    expect(await lease.acquire('expiry', 'second', 1_000)).toBe(false);
    passTime(1);
    expect(await lease.acquire('expiry', 'second', 1_000)).toBe(true);
    expect(await lease.acquire('expiry', 'first', 1_000)).toBe(false);
  });

  it('when a lease is released, then only its owner’s release frees it', async () => {
    const lease = newLease();
    expect(await lease.acquire('release', 'holder', 60_000)).toBe(true);
    await lease.release('release', 'someone-else');
    expect(await lease.acquire('release', 'next', 60_000)).toBe(false);
    await lease.release('release', 'holder');
    expect(await lease.acquire('release', 'next', 60_000)).toBe(true);
  });
});
