import { Types } from 'mongoose';

/** The ObjectId for a 24-hex id string, or `undefined` (an id that cannot exist is a 404, not a 500). */
export function toObjectId(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}

/** MongoDB's duplicate-key error (a unique index refused the write). */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}
