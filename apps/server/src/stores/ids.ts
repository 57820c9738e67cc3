import { Types } from 'mongoose';

/** The ObjectId for a 24-hex id string, or `undefined` (an id that cannot exist is a 404, not a 500). */
export function toObjectId(id: string): Types.ObjectId | undefined {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}

/** MongoDB's duplicate-key error (a unique index refused the write). */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * A write a unique index may have refused: MongoDB's E11000, or FerretDB's code 1, which it answers
 * for an update that would break a unique index (scripts/ferretdb/README.md). Code 1 is also
 * FerretDB's generic internal error, so callers confirm by reading what the write would have
 * duplicated before they treat it as a conflict.
 */
export function mayBeUniqueConflict(err: unknown): boolean {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 11000 || code === 1;
}
