import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

/**
 * `baseUri` with a fresh database name, `fen_test_<label>_<random>`, for one test file. The label
 * is cut and cleaned to what FerretDB accepts (letters, digits, `_`, `-`; 63 characters at most).
 */
export function uniqueDbUri(baseUri: string, label: string): string {
  const url = new URL(baseUri);
  const cleanLabel = label.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 30);
  url.pathname = `/fen_test_${cleanLabel}_${randomBytes(6).toString('hex')}`;
  return url.toString();
}

/** Drops the database named in `uri` (one made by {@link uniqueDbUri}). */
export async function dropDb(uri: string): Promise<void> {
  const connection = await mongoose
    .createConnection(uri, { serverSelectionTimeoutMS: 5000 })
    .asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}
