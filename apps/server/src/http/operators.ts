import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The operators of the `/admin` routes: each a name and the SHA-256 of the bearer token they use.
 * The server keeps only the hashes (`ADMIN_TOKENS`), so the configuration never holds a token;
 * the name is what refunds, timelines and logs record.
 */
export interface Operator {
  name: string;
  tokenSha256: Buffer;
}

/** The operator `ADMIN_TOKEN` (the one shared token, kept for the demo and older setups) is. */
export const LEGACY_OPERATOR = 'admin';

/** An operator's name: short and plain, as it appears in timelines and logs. */
export const OPERATOR_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The hex SHA-256 of a token, as `ADMIN_TOKENS` lists it (`printf %s "$TOKEN" | sha256sum`). */
export function tokenSha256Hex(token: string): string {
  return sha256(token).toString('hex');
}

/**
 * `ADMIN_TOKENS` (`name:sha256hex,name:sha256hex`) and `ADMIN_TOKEN` → the operators, or the
 * problems (every one at once). `ADMIN_TOKEN` is the operator `admin`.
 */
export function parseOperators(
  adminTokens: string | undefined,
  adminToken: string | undefined,
): { operators: Operator[]; problems: string[] } {
  const operators: Operator[] = [];
  const problems: string[] = [];
  const entries = (adminTokens ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon);
    const hex = colon < 0 ? '' : entry.slice(colon + 1);
    // Never echo an entry: a token pasted by mistake in place of its hash must not be logged.
    if (!OPERATOR_NAME.test(name)) {
      problems.push(
        `ADMIN_TOKENS entry ${index + 1}: the name must be 1–32 letters, digits, _ . or - before ":"`,
      );
      continue;
    }
    if (!SHA256_HEX.test(hex)) {
      problems.push(
        `ADMIN_TOKENS entry ${index + 1} (${name}): after ":" must come the token's SHA-256 as 64 hex digits, not the token`,
      );
      continue;
    }
    operators.push({ name, tokenSha256: Buffer.from(hex, 'hex') });
  }
  if (adminToken !== undefined) {
    operators.push({ name: LEGACY_OPERATOR, tokenSha256: sha256(adminToken) });
  }
  const names = operators.map((o) => o.name);
  for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
    problems.push(
      name === LEGACY_OPERATOR && adminToken !== undefined
        ? `ADMIN_TOKENS names "${LEGACY_OPERATOR}", which ADMIN_TOKEN already is: rename it or drop ADMIN_TOKEN`
        : `ADMIN_TOKENS names "${name}" twice`,
    );
  }
  const hashes = operators.map((o) => o.tokenSha256.toString('hex'));
  if (new Set(hashes).size !== hashes.length) {
    problems.push('two operators share one token: give each operator their own');
  }
  if (operators.length === 0 && problems.length === 0) {
    problems.push(
      'ADMIN_TOKENS or ADMIN_TOKEN: no operator is set (ADMIN_TOKENS=name:sha256hex,…)',
    );
  }
  return { operators, problems };
}

/**
 * The operator whose token this is, or undefined. Every operator's hash is compared, in constant
 * time, whoever matches: the time taken says nothing about which token, or how much of one, is
 * right.
 */
export function operatorFor(operators: readonly Operator[], token: string): string | undefined {
  const presented = sha256(token);
  let found: string | undefined;
  for (const operator of operators) {
    if (timingSafeEqual(presented, operator.tokenSha256) && found === undefined) {
      found = operator.name;
    }
  }
  return found;
}
