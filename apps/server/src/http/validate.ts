import { z } from 'zod';
import { appError } from '../errors.js';

/** Parses input with a zod schema; a failure is a 400 `VALIDATION_FAILED` naming every issue. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : what}: ${issue.message}`)
    .join('; ');
  throw appError('VALIDATION_FAILED', `invalid ${what}: ${details}`);
}

/**
 * A client's text: no control characters (U+0000–U+001F, U+007F). None of our fields needs them,
 * and FerretDB on PostgreSQL cannot store or even compare U+0000 (jsonb refuses it): a NUL in a
 * query was a 500 (found by the HTTP API fuzz), now it is a 400.
 */
export const plainText = () =>
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  z.string().regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/** The optional `Idempotency-Key` header of order creation and refunds. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{8,64}$/, 'must be 8–64 characters of A-Z a-z 0-9 _ . : -')
  .optional();
