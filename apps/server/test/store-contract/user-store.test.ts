import { Types } from 'mongoose';
import { expect, it } from 'vitest';
import { describeStoreContract, minutes } from './backends.js';

describeStoreContract('user store', (stores) => {
  it('when an openid logs in the first time, then a mini-program user is created', async () => {
    const user = await stores.users.upsertByOpenid('o-1', undefined, minutes(0));
    expect(user).toEqual({
      _id: expect.any(Types.ObjectId) as Types.ObjectId,
      openid: 'o-1',
      kind: 'miniprogram',
      createdAt: minutes(0),
      lastLoginAt: minutes(0),
    });
    expect(await stores.users.findById(user._id.toHexString())).toEqual(user);
  });

  it('when it logs in again, then the same user records the login; its kind and creation stay', async () => {
    const first = await stores.users.upsertByOpenid('o-2', undefined, minutes(0), 'guest');
    const second = await stores.users.upsertByOpenid('o-2', 'u-2', minutes(1), 'miniprogram');
    const third = await stores.users.upsertByOpenid('o-2', undefined, minutes(2));
    expect(second).toEqual({ ...first, unionid: 'u-2', lastLoginAt: minutes(1) });
    expect(third).toEqual({ ...second, lastLoginAt: minutes(2) });
  });

  it('when 10 first logins of one openid race, then they make one user', async () => {
    const users = await Promise.all(
      Array.from({ length: 10 }, () => stores.users.upsertByOpenid('o-3', undefined, minutes(0))),
    );
    expect(new Set(users.map((user) => user._id.toHexString())).size).toBe(1);
  });

  it('when an id is malformed or unknown, then no user is found', async () => {
    await stores.users.upsertByOpenid('o-4', undefined, minutes(0), 'official_account');
    expect(await stores.users.findById('not-an-id')).toBeNull();
    expect(await stores.users.findById(new Types.ObjectId().toHexString())).toBeNull();
  });
});
