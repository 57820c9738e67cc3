import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What a user's plain Node program sees after `pnpm build`: the packages' `exports`, ESM, no
// TypeScript and no vitest in between.
const TEST_PACKAGE = fileURLToPath(new URL('..', import.meta.url));

function runModule(source: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: TEST_PACKAGE,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe('the built packages from plain Node', () => {
  it("when @fen/wxpay is imported by name, then signV2 gives the official doc example's MD5 sign", () => {
    const run = runModule(`
      import { signV2, verifyV2, toXml, fromXml } from '@fen/wxpay';
      const params = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000',
        body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
      const key = '192006250b4c09247ec02edce69f6a2d';
      const sign = signV2(params, key);
      const back = fromXml(toXml({ ...params, sign }));
      console.log(sign, verifyV2(back, key));
    `);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('9A0A8659F005D6984697E2CA0A9CF3B7 true');
  });

  it('when @fen/contracts is imported by name, then its runtime constants are there', () => {
    const run = runModule(`
      import { ORDER_STATUSES, PAY_CHANNELS } from '@fen/contracts';
      console.log(ORDER_STATUSES.join(','), PAY_CHANNELS.length);
    `);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('PENDING,PAID,PARTIALLY_REFUNDED,REFUNDED,CLOSED 5');
  });
});
