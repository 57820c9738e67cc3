import { DEMO_MOBILE_APP, DEMO_OA_APP } from '@fen/wx-sandbox';
import { startFenServer } from '../../server/helpers/stack.js';
import type { Sandbox, ServerUnderTest } from '../../server/helpers/stack.js';

/** The server with every channel configured: the demo official account and mobile app too. */
export function startChannelsServer(sandbox: Sandbox): Promise<ServerUnderTest> {
  return startFenServer(sandbox, {
    env: {
      WX_OA_APPID: DEMO_OA_APP.appId,
      WX_OA_APPSECRET: DEMO_OA_APP.secret,
      WX_MOBILE_APPID: DEMO_MOBILE_APP.appId,
      WEB_SANDBOX_URL: sandbox.url,
    },
  });
}

/**
 * Follows one redirect by hand (fetch with `redirect: 'manual'`), returning where it points and
 * the cookies it set (`name=value`, as a browser sends them back).
 */
export async function redirectOf(
  url: string,
  cookie?: string,
): Promise<{ status: number; location: string; cookies: string }> {
  const res = await fetch(url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
    ...(cookie ? { headers: { cookie } } : {}),
  });
  await res.arrayBuffer();
  const cookies = res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] ?? '')
    .join('; ');
  return { status: res.status, location: res.headers.get('location') ?? '', cookies };
}

/**
 * An official-account session through the sandbox's OAuth, as a browser would get one: the
 * cookie `/oa/login` sets goes back with the callback. `cookie` is what that browser held.
 */
export async function officialAccountLogin(
  server: ServerUnderTest,
  sandbox: Sandbox,
  user: string,
): Promise<{ token: string; callbackUrl: string; cookie: string }> {
  const toWeChat = await redirectOf(`${server.url}/oa/login?redirect=%2Fcheckout%3Fc%3Djsapi`);
  const authorize = new URL(toWeChat.location.replace(/#wechat_redirect$/, ''));
  if (!authorize.href.startsWith(sandbox.url)) throw new Error(`unexpected ${toWeChat.location}`);
  authorize.searchParams.set('user', user);
  const back = await redirectOf(authorize.href);
  const landing = await redirectOf(back.location, toWeChat.cookies);
  const token = new URLSearchParams(new URL(landing.location, server.url).hash.slice(1)).get(
    'token',
  );
  if (!token) throw new Error(`no token in ${landing.location}`);
  return { token, callbackUrl: back.location, cookie: toWeChat.cookies };
}
