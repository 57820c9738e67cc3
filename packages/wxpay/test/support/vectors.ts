import { readFileSync } from 'node:fs';

/** One known-answer vector of test/fixtures/wechat-vectors.json (sources: test/fixtures/README.md). */
export interface Vector {
  id: string;
  kind: string;
  input: Record<string, string>;
  expected: Record<string, string>;
}

const VECTORS_PATH = new URL('../fixtures/wechat-vectors.json', import.meta.url);

/** The published vectors of one `kind`, read at test time. */
export function vectorsOfKind(kind: string): Vector[] {
  const file = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors: Vector[] };
  return file.vectors.filter((v) => v.kind === kind);
}
