import { Types } from 'mongoose';
import { toObjectId } from '../../src/stores/ids.js';
import type { UserDoc } from '../../src/stores/user-model.js';
import type { UserStore } from '../../src/stores/user-store.js';
import { copy } from './copy.js';

/**
 * Users in memory, one per openid: a login creates the user (with its kind) or only records the
 * login (and a unionid when one is given); the kind and `createdAt` of the first login stay.
 */
export function createInMemoryUserStore(): UserStore {
  const users = new Map<string, UserDoc>();

  return {
    async upsertByOpenid(openid, unionid, now, kind = 'miniprogram') {
      const user = users.get(openid) ?? {
        _id: new Types.ObjectId(),
        openid,
        kind,
        createdAt: copy(now),
        lastLoginAt: copy(now),
      };
      user.lastLoginAt = copy(now);
      if (unionid) user.unionid = unionid;
      users.set(openid, user);
      return copy(user);
    },

    async findById(id) {
      const _id = toObjectId(id);
      const user = _id && [...users.values()].find((candidate) => candidate._id.equals(_id));
      return user ? copy(user) : null;
    },
  };
}
