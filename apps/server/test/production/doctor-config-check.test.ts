import { afterAll, describe, expect, it } from 'vitest';
import { checkConfiguration } from '../../src/doctor/config-check.js';
import { makeProductionEnv } from './production-env.js';
import type { ProductionEnv } from './production-env.js';

const DAY = 86_400_000;
const made: ProductionEnv[] = [];

/** A production environment whose merchant certificate is valid `days` more. */
function productionWithCertificateFor(days: number): ProductionEnv {
  const production = makeProductionEnv({
    certificate: { notAfter: new Date(Date.now() + days * DAY) },
  });
  made.push(production);
  return production;
}

afterAll(() => made.forEach((production) => production.cleanup()));

describe("fen doctor's configuration line in production", () => {
  it('when the merchant certificate expires within 30 days, then the line warns with the date', () => {
    const { result } = checkConfiguration(productionWithCertificateFor(10).env);
    expect(result.status).toBe('warn');
    expect(result.message).toMatch(/loads \(production mode.*expires on .* \(in (9|10) days\)/);
  });

  it('when it has months left, then the line is ok', () => {
    const { result } = checkConfiguration(productionWithCertificateFor(200).env);
    expect(result.status).toBe('ok');
    expect(result.message).toMatch(/^loads \(production mode/);
  });
});
