import type { Models } from './database.js';
import { toObjectId } from './ids.js';
import { upsertWithRetry } from './upsert.js';
import type { UserDoc, UserKind } from './user-model.js';

export function createUserStore(User: Models['User']) {
  return {
    /** Finds or creates the user for an openid, recording this login. */
    upsertByOpenid(
      openid: string,
      unionid: string | undefined,
      now: Date,
      kind: UserKind = 'miniprogram',
    ): Promise<UserDoc> {
      return upsertWithRetry(async () => {
        const user = await User.findOneAndUpdate(
          { openid },
          {
            $setOnInsert: { openid, kind, createdAt: now },
            $set: { lastLoginAt: now, ...(unionid ? { unionid } : {}) },
          },
          { upsert: true, returnDocument: 'after' },
        ).lean<UserDoc>();
        if (!user) throw new Error('user vanished after upsert');
        return user;
      });
    },

    async findById(id: string): Promise<UserDoc | null> {
      const _id = toObjectId(id);
      return _id ? User.findById(_id).lean<UserDoc>() : null;
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
