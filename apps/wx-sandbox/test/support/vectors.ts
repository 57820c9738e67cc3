import { readFileSync } from 'node:fs';

/** One known-answer vector of `test/fixtures/wechat-vectors.json` (sources: fixtures/README.md). */
export interface Vector<Input = Record<string, unknown>> {
  id: string;
  input: Input;
  expected: Record<string, unknown>;
}

interface VectorFile {
  keys: Record<string, { pem: string }>;
  vectors: Vector[];
}

const file = JSON.parse(
  readFileSync(new URL('../fixtures/wechat-vectors.json', import.meta.url), 'utf8'),
) as VectorFile;

/** The published vector `id`; throws when the fixture lacks it, so a test cannot pass on nothing. */
export function vector<Input = Record<string, unknown>>(id: string): Vector<Input> {
  const found = file.vectors.find((v) => v.id === id);
  if (!found) throw new Error(`no known-answer vector ${id} in test/fixtures/wechat-vectors.json`);
  return found as Vector<Input>;
}

/** A public test key of the fixture, by name. */
export function vectorKey(name: string): { pem: string } {
  const key = file.keys[name];
  if (!key) throw new Error(`no key ${name} in test/fixtures/wechat-vectors.json`);
  return key;
}
