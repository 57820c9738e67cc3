import { Schema } from 'mongoose';
import type { Types } from 'mongoose';

/**
 * Where a user's identity comes from: the mini-program's login, the official account's OAuth
 * (both give an openid of that appid), or none at all (a guest paying by Native QR or H5).
 */
export const USER_KINDS = ['miniprogram', 'official_account', 'guest'] as const;
export type UserKind = (typeof USER_KINDS)[number];

/** A user, known by openid. WeChat's session_key is deliberately not stored. */
export interface UserDoc {
  _id: Types.ObjectId;
  /** WeChat's openid for the user's appid; a guest's is a random `guest_…` id of ours. */
  openid: string;
  /** Absent on users stored before kinds existed: those are mini-program users. */
  kind?: UserKind;
  unionid?: string;
  createdAt: Date;
  lastLoginAt: Date;
}

export const userSchema = new Schema<UserDoc>(
  {
    openid: { type: String, required: true, unique: true },
    kind: { type: String, enum: USER_KINDS },
    unionid: { type: String },
    createdAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'users', versionKey: false, id: false },
);
