import { expect, it } from 'vitest';
import { describeStoreContract, minutes } from './backends.js';

describeStoreContract('claim store', (stores) => {
  it('when a decision is claimed twice, then the first wins and the second gets its change', async () => {
    const first = { to: 'PAID', paidAt: minutes(1), amounts: [1, 2] };
    const won = await stores.claims.claim('order-exit:1', first, minutes(1));
    expect(won).toEqual({ won: true, change: first, applied: false });
    const lost = await stores.claims.claim<Record<string, unknown>>(
      'order-exit:1',
      { to: 'CLOSED' },
      minutes(2),
    );
    expect(lost).toEqual({ won: false, change: first, applied: false });
    expect(lost.change.paidAt).toBeInstanceOf(Date);
    expect(await stores.claims.claim('order-exit:2', { to: 'CLOSED' }, minutes(3))).toMatchObject({
      won: true,
    });
  });

  it('when 20 claims of one key race, then exactly one wins and all see its change', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores.claims.claim('refund-final:r1', { source: `s${i}` }, minutes(0)),
      ),
    );
    const winners = results.filter((result) => result.won);
    expect(winners).toHaveLength(1);
    for (const result of results) expect(result.change).toEqual(winners[0]?.change);
  });

  it('when a claim is marked applied, then later claims see it applied and the first time stays', async () => {
    await stores.claims.claim('refund-final:r2', { outcome: 'SUCCESS' }, minutes(0));
    await stores.claims.markApplied('refund-final:r2', minutes(1));
    await stores.claims.markApplied('refund-final:r2', minutes(2));
    await stores.claims.markApplied('refund-final:unknown', minutes(2));
    expect(await stores.claims.claim('refund-final:r2', { outcome: 'CHANGE' }, minutes(3))).toEqual(
      { won: false, change: { outcome: 'SUCCESS' }, applied: true },
    );
    expect(await stores.claims.find('refund-final:r2')).toEqual({
      _id: 'refund-final:r2',
      change: { outcome: 'SUCCESS' },
      createdAt: minutes(0),
      appliedAt: minutes(1),
    });
    expect(await stores.claims.find('refund-final:unknown')).toBeNull();
  });

  it('when the caller changes a change it claimed, then the stored decision stays', async () => {
    const change: Record<string, unknown> = { to: 'PAID', detail: { fen: 100 } };
    await stores.claims.claim('order-exit:3', change, minutes(0));
    change.to = 'CLOSED';
    const lost = await stores.claims.claim<Record<string, unknown>>('order-exit:3', {}, minutes(1));
    (lost.change.detail as { fen: number }).fen = 1;
    expect((await stores.claims.find('order-exit:3'))?.change).toEqual({
      to: 'PAID',
      detail: { fen: 100 },
    });
  });

  it('when a claim carries an empty change, then it is kept as it was', async () => {
    await stores.claims.claim('order-exit:4', {}, minutes(0));
    expect((await stores.claims.find('order-exit:4'))?.change).toEqual({});
  });
});
