import { Schema } from 'mongoose';
import type { Types } from 'mongoose';

/** A mini-program user, known by openid. WeChat's session_key is deliberately not stored. */
export interface UserDoc {
  _id: Types.ObjectId;
  openid: string;
  unionid?: string;
  createdAt: Date;
  lastLoginAt: Date;
}

export const userSchema = new Schema<UserDoc>(
  {
    openid: { type: String, required: true, unique: true },
    unionid: { type: String },
    createdAt: { type: Date, required: true },
    lastLoginAt: { type: Date, required: true },
  },
  { collection: 'users', versionKey: false, id: false },
);
