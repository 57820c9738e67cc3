import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { DEMO, call, startFenServer, startSandbox } from '../../server/helpers/stack.js';
import type { Sandbox, ServerUnderTest } from '../../server/helpers/stack.js';
import { recordSessionKeys } from './secrets.js';
import type { SessionKeyRecorder } from './secrets.js';

/** A session token as the server makes them (session-token.ts), for claims it would never issue. */
export function craftSessionToken(claims: Record<string, unknown>, secret = DEMO.sessionSecret) {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** The real server (real database, Redis, sandbox) for one fuzz file, and what it takes apart. */
export interface FuzzStack {
  sandbox: Sandbox;
  server: ServerUnderTest;
  recorder: SessionKeyRecorder;
  /** Uncaught exceptions and unhandled rejections seen in this worker since the start. */
  crashes: unknown[];
  login(user: string): Promise<{ token: string; userId: string }>;
}

/**
 * Starts the stack in beforeAll and stops it (and drops its database) in afterAll. The server
 * reaches jscode2session through a recorder, so the test knows every session_key WeChat issued.
 */
export function useFuzzStack(): FuzzStack {
  const stack = { crashes: [] as unknown[] } as FuzzStack;
  const onCrash = (err: unknown) => stack.crashes.push(err);
  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    stack.sandbox = await startSandbox(0.001);
    stack.recorder = await recordSessionKeys(stack.sandbox.url);
    stack.server = await startFenServer(stack.sandbox, {
      // The rate limits would answer most cases 429 before they reach what is fuzzed.
      env: {
        WX_API_BASE: stack.recorder.url,
        LOGINS_PER_MINUTE: '100000',
        GUEST_SESSIONS_PER_MINUTE: '100000',
        ORDER_ACTIONS_PER_MINUTE: '100000',
        ORDER_ACTIONS_PER_IP_PER_MINUTE: '1000000',
      },
    });
    stack.login = async (user) => {
      const { code } = stack.sandbox.loginCode(user);
      const res = await call(`${stack.server.url}/api/session`, { body: { code } });
      expect(res.status).toBe(200);
      return { token: res.body.token as string, userId: res.body.user.id as string };
    };
  }, 60_000);
  afterAll(async () => {
    await stack.server?.close();
    await stack.recorder?.close();
    await stack.sandbox?.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }, 60_000);
  return stack;
}
