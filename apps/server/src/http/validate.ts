import type { z } from 'zod';
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
