import { Types } from 'mongoose';

/**
 * A deep copy of a value going into or out of a fake store, so a caller never holds the stored
 * object (the real stores hand out fresh documents on every read). Keys whose value is
 * `undefined` are dropped, as mongoose drops them from inserts and `$set`. ObjectIds are
 * immutable values and are shared.
 */
export function copy<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof Types.ObjectId) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copy(item)) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return Object.fromEntries(entries.map(([k, v]) => [k, copy(v)])) as T;
  }
  return value;
}
