import { readFileSync } from 'node:fs';
import type { SandboxApp, SandboxMerchant, SandboxOptions } from './options.js';

/** What a sandbox config file holds: the merchants and apps to play WeChat for, the token quota. */
export interface SandboxConfigFile {
  merchants?: SandboxMerchant[];
  apps?: SandboxApp[];
  tokenQuotaPerDay?: SandboxOptions['tokenQuotaPerDay'];
}

/**
 * Reads `SANDBOX_CONFIG` (a JSON file `{merchants, apps}`, docs/sandbox.md §1) for `pnpm sandbox`.
 * Only the shape is checked here; `createSandbox` validates the values and names every problem.
 */
export function readSandboxConfigFile(path: string): SandboxConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`SANDBOX_CONFIG ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`SANDBOX_CONFIG ${path}: expected a JSON object {merchants, apps}`);
  }
  const { merchants, apps, tokenQuotaPerDay } = parsed as Record<string, unknown>;
  for (const [name, value] of Object.entries({ merchants, apps })) {
    if (value !== undefined && !Array.isArray(value)) {
      throw new Error(`SANDBOX_CONFIG ${path}: ${name} must be an array`);
    }
  }
  return {
    ...(merchants ? { merchants: merchants as SandboxMerchant[] } : {}),
    ...(apps ? { apps: apps as SandboxApp[] } : {}),
    // Checked by createSandbox, like the rest.
    ...(tokenQuotaPerDay !== undefined
      ? { tokenQuotaPerDay: tokenQuotaPerDay as SandboxOptions['tokenQuotaPerDay'] }
      : {}),
  };
}
