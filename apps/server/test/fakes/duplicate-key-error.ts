import { mongo } from 'mongoose';

/**
 * The error MongoDB raises when a unique index refuses a write (code 11000), for the fakes to
 * throw where the real store would let it through (`isDuplicateKeyError` recognises it).
 */
export function duplicateKeyError(collection: string, key: Record<string, unknown>): Error {
  const message = `E11000 duplicate key error collection: ${collection} dup key: ${JSON.stringify(key)}`;
  return new mongo.MongoServerError({ message, errmsg: message, code: 11000 });
}
