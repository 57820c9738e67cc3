import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import { INVALID_UTF8, junkBytes, junkText } from './xml-gen.js';

/** What the fuzzer knows about the server under test: real ids and tokens to mix with junk. */
export interface Known {
  /** Orders of user A (the caller whose token is `userA`), user B, and ids nobody owns. */
  ordersOfA: string[];
  ordersOfB: string[];
  productIds: string[];
  tokens: {
    userA: string;
    userB: string;
    admin: string;
    expired: string;
    tampered: string;
    ghost: string;
    badSubject: string;
  };
}

/** The routes the server has, with the method each expects. */
export const ROUTES = [
  ['GET', '/healthz'],
  ['POST', '/api/session'],
  ['GET', '/api/products'],
  ['POST', '/api/orders'],
  ['GET', '/api/orders'],
  ['GET', '/api/orders/:id'],
  ['POST', '/api/orders/:id/pay'],
  ['POST', '/api/orders/:id/cancel'],
  ['GET', '/admin/orders'],
  ['GET', '/admin/orders/:id'],
  ['POST', '/admin/orders/:id/refunds'],
  ['POST', '/admin/orders/:id/shipping'],
  ['GET', '/admin/anomalies'],
  ['POST', '/admin/anomalies/:id/resolve'],
  ['GET', '/admin/reconciliations'],
  ['GET', '/admin/reconciliations/:id'],
  ['GET', '/admin/token-quota'],
  ['GET', '/admin/shipping/delivery-companies'],
  ['POST', '/wxpay/notify'],
  ['POST', '/wxpay/refund-notify'],
] as const;

export type RouteTemplate = (typeof ROUTES)[number][1];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get', 'FOO'];

function pathParam(known: Known): fc.Arbitrary<string> {
  const real = [...known.ordersOfA, ...known.ordersOfB];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => id.toUpperCase()) },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '',
        'x',
        '%ZZ',
        '%',
        '%00',
        '%2F',
        '..%2F..%2Fadmin',
        '%E4%B8%AD',
        '%C0%AF',
        '%FF',
        '__proto__',
        'constructor',
        '000000000000000000000000',
        'ffffffffffffffffffffffff',
        `${'a'.repeat(24)}%20`,
        'a'.repeat(5_000),
        '{"$gt":""}',
        '$where',
        '1e3',
        '-1',
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)) },
  );
}

const query = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.constantFrom(
          'sync=1',
          'sync=true',
          'sync=0',
          'status=PAID',
          'status=PENDING',
          'status=bogus',
          'status=PAID&status=CLOSED',
          'limit=0',
          'limit=1',
          'limit=200',
          'limit=201',
          'limit=-1',
          'limit=1e2',
          'limit=abc',
          'limit=1&limit=2',
          'limit=99999999999999999999',
          `outTradeNo=${'9'.repeat(40)}`,
          'outTradeNo=%00',
          'userId=zzz',
          'userId=000000000000000000000000',
          '__proto__[x]=1',
          'constructor[prototype][x]=1',
          '%ZZ=1',
          'a[]=1',
          '&&&',
          '=',
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((parts) => `?${parts.join('&')}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `?${encodeURIComponent(s)}`) },
);

/** Authorization headers: none, each real token (and near misses), and junk. */
function authorization(known: Known): fc.Arbitrary<string | Buffer | undefined> {
  const t = known.tokens;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    {
      weight: 8,
      arbitrary: fc.constantFrom(
        `Bearer ${t.userA}`,
        `Bearer ${t.userB}`,
        `Bearer ${t.admin}`,
        `bearer ${t.userA}`,
        `BEARER   ${t.admin}   `,
        `Bearer ${t.expired}`,
        `Bearer ${t.tampered}`,
        `Bearer ${t.ghost}`,
        `Bearer ${t.badSubject}`,
        `Bearer ${t.admin}x`,
        `Bearer ${t.admin.slice(0, -1)}`,
        `Bearer ${t.admin} extra`,
        `Bearer ${t.userA}.x`,
        `Bearer ${t.userA.split('.')[0]}`,
        `Bearer .`,
        'Bearer',
        'Bearer ',
        `Basic ${Buffer.from(`admin:${t.admin}`).toString('base64')}`,
        `Token ${t.userA}`,
        t.userA,
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 40 })
        .map((bytes) => Buffer.concat([Buffer.from('Bearer '), Buffer.from(bytes)])),
    },
    { weight: 1, arbitrary: fc.constant(`Bearer ${'A'.repeat(12_000)}`) },
  );
}

const contentType = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=gbk',
      'APPLICATION/JSON',
      'application/vnd.fen+json',
      'application/jsonp',
      'text/json',
      'text/plain',
      'text/xml',
      'text/xml; charset=GBK',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/json, text/plain',
      '',
      ';;;',
    ),
  },
);

/** Bodies shaped like what each route takes, with every field pushed to and past its edge. */
function shapedJson(known: Known): fc.Arbitrary<unknown> {
  const edgeInt = fc.oneof(
    fc.constantFrom(0, 1, -1, 99, 100, 1.5, 1e9, 100_000_000, 100_000_001, 2 ** 53, -(2 ** 53)),
    fc.integer(),
    fc.double(),
    fc.constantFrom('1', '100', '', null, true, [], {}, '0x10', '1e3'),
  );
  const junkString = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', ' ', 'a'.repeat(257), 'a'.repeat(300), '\u0000', '中文', '😀', '$gt'),
  );
  const productId = fc.oneof(fc.constantFrom(...known.productIds), junkString);
  const item = fc.record(
    {
      productId: fc.oneof(productId, edgeInt),
      quantity: edgeInt,
      price: edgeInt,
      priceFen: edgeInt,
    },
    { requiredKeys: ['productId', 'quantity'] },
  );
  return fc.oneof(
    fc.record({ code: fc.oneof(junkString, edgeInt, fc.constant(undefined)) }),
    fc.record(
      {
        items: fc.oneof(fc.array(item, { maxLength: 25 }), edgeInt, junkString),
        channel: fc.constantFrom('miniprogram', 'app', 'native', '', 1),
        totalFen: edgeInt,
      },
      { requiredKeys: ['items'] },
    ),
    fc.record(
      {
        amountFen: edgeInt,
        reason: fc.oneof(junkString, fc.constant('r'.repeat(81))),
        outRefundNo: fc.oneof(
          junkString,
          fc.constantFrom('R'.repeat(64), 'R'.repeat(65), 'a|b*c@d', 'x y'),
        ),
        status: junkString,
      },
      { requiredKeys: ['amountFen'] },
    ),
  );
}

function body(known: Known): fc.Arbitrary<Buffer | undefined> {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: shapedJson(known).map(json) },
    {
      // Carts that are valid or one step from it: real products, quantities around 1..99.
      weight: 3,
      arbitrary: fc
        .record({
          items: fc.array(
            fc.record({
              productId: fc.constantFrom(...known.productIds),
              quantity: fc.integer({ min: 0, max: 100 }),
            }),
            { maxLength: 21 },
          ),
        })
        .map(json),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{"__proto__":{"polluted":1},"code":"x"}',
          '{"constructor":{"prototype":{"polluted":1}},"items":[]}',
          '{"items":[{"productId":"x","quantity":1,"__proto__":{"quantity":2}}]}',
          '{"code":"a","code":"b"}',
          '{',
          '[',
          'null',
          '"string"',
          '1e999999',
          '{"items":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}',
          '\uFEFF{"code":"x"}',
          ' \n\t{"code":"x"}\n ',
        )
        .map((text) => Buffer.from(text)),
    },
    { weight: 1, arbitrary: junkText.map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: junkBytes.map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(shapedJson(known), fc.constantFrom(...INVALID_UTF8), fc.nat())
        .map(([value, bad, at]) => {
          const bytes = json(value);
          const cut = at % (bytes.length + 1);
          return Buffer.concat([bytes.subarray(0, cut), Buffer.from(bad), bytes.subarray(cut)]);
        }),
    },
    {
      weight: 1,
      arbitrary: shapedJson(known).map((value) =>
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(value), 'utf16le')]),
      ),
    },
    // The JSON limit is 16 KiB and the notification limit 64 KiB: land on, just over, far over.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 64 * 1024, 64 * 1024 + 1, 1 << 20)
        .map((size) => {
          const shell = Buffer.from('{"code":"x"}');
          return Buffer.concat([shell, Buffer.alloc(Math.max(0, size - shell.length), 0x20)]);
        }),
    },
  );
}

const extraHeaders = fc.array(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.:-]{1,70}$/).map((v) => ['Idempotency-Key', v] as const),
    fc.constantFrom(
      ['Idempotency-Key', 'fuzz-key-0001'],
      ['Idempotency-Key', 'short'],
      ['Idempotency-Key', '../../etc'],
      ['X-Request-Id', 'r'.repeat(129)],
      ['X-Request-Id', 'fuzz-request-1'],
      ['X-Request-Id', '<script>'],
      ['X-Forwarded-For', '1.2.3.4, 5.6.7.8'],
      ['X-Forwarded-For', 'not-an-ip'],
      ['Content-Encoding', 'gzip'],
      ['Accept-Charset', 'utf-16'],
      ['Expect', '100-continue'],
      ['Accept', 'text/xml'],
      ['Cookie', 'session=x'],
    ),
  ),
  { maxLength: 3 },
);

const framing = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ framing: 'exact' as const, halfClose: false }) },
  { weight: 2, arbitrary: fc.constant({ framing: 'chunked' as const, halfClose: false }) },
  { weight: 1, arbitrary: fc.constant({ framing: 'none' as const, halfClose: false }) },
  {
    weight: 2,
    arbitrary: fc.record({
      // A Content-Length that promises more than comes (and the client gives up), or less.
      framing: fc.integer({ min: -50, max: 100 }),
      halfClose: fc.boolean(),
    }),
  },
);

export interface FuzzRequest {
  template: RouteTemplate | 'random';
  id: string;
  request: RawRequest;
  /** The Content-Length sent is larger than the body: the server may wait for the rest. */
  promisesMore: boolean;
  authorization: string | Buffer | undefined;
}

/** Keep the valid baseline (3 in 4) or replace it with what `arbitrary` makes. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<{ value: T } | undefined> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arbitrary.map((value) => ({ value })) },
  );
}

/** A request each route would accept, before the fuzzer takes parts of it away. */
function baseline(known: Known) {
  return fc.record({
    who: fc.constantFrom('userA' as const, 'userB' as const),
    pick: fc.nat(),
    cart: fc.array(
      fc.record({
        productId: fc.constantFrom(...known.productIds),
        quantity: fc.integer({ min: 1, max: 5 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    refund: fc.record({
      amountFen: fc.integer({ min: 1, max: 1_000 }),
      outRefundNo: fc.stringMatching(/^FZ[0-9A-Za-z]{8,20}$/),
    }),
    xml: junkText,
  });
}

/**
 * Requests across every route: a valid request for the route (the right method, token, content
 * type, body, an id the caller owns), with some of its parts replaced by fuzzed ones — odd
 * methods, ids, queries, tokens, headers, bodies, framing. Most cases are one or two steps from
 * valid, so they get past the first check and into the deeper ones.
 */
export function fuzzRequest(known: Known): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...ROUTES) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('/', '/api', '/admin', '/api/orders/', '//api/orders', '/healthz/x')
            .map((p) => ['GET', p] as const),
        },
      ),
      valid: baseline(known),
      method: sometimes(fc.constantFrom(...METHODS)),
      id: sometimes(pathParam(known)),
      query: sometimes(query),
      authorization: sometimes(authorization(known)),
      contentType: sometimes(contentType),
      extraHeaders: sometimes(extraHeaders),
      body: sometimes(body(known)),
      framing: sometimes(framing),
    })
    .map((r) => {
      const [routeMethod, template] = r.route as readonly [string, string];
      const { who, pick, cart, refund, xml } = r.valid;
      const own = who === 'userA' ? known.ordersOfA : known.ordersOfB;
      const anyOrder = [...known.ordersOfA, ...known.ordersOfB];
      const validId = template.startsWith('/admin')
        ? (anyOrder[pick % anyOrder.length] as string)
        : (own[pick % own.length] as string);
      const validAuth = template.startsWith('/admin')
        ? `Bearer ${known.tokens.admin}`
        : template.startsWith('/api/orders') || template === '/api/products'
          ? `Bearer ${known.tokens[who]}`
          : undefined;
      const validBody = (() => {
        if (routeMethod !== 'POST') return undefined;
        if (template === '/api/session') return Buffer.from('{"code":"not-a-login-code"}');
        if (template === '/api/orders') return Buffer.from(JSON.stringify({ items: cart }));
        if (template.endsWith('/refunds')) return Buffer.from(JSON.stringify(refund));
        if (template.endsWith('/resolve')) return Buffer.from('{"note":"fuzz"}');
        if (template.endsWith('/shipping')) {
          return Buffer.from('{"logisticsType":"virtual","parcels":[{"itemDesc":"fuzz"}]}');
        }
        if (template.startsWith('/wxpay')) return Buffer.from(xml);
        return undefined;
      })();
      const validType = template.startsWith('/wxpay')
        ? 'text/xml'
        : validBody
          ? 'application/json'
          : undefined;
      const id = r.id ? r.id.value : validId;
      const authorizationHeader = r.authorization ? r.authorization.value : validAuth;
      const type = r.contentType ? r.contentType.value : validType;
      const requestBody = r.body ? r.body.value : validBody;
      const frame = r.framing?.value ?? { framing: 'exact' as const, halfClose: false };
      const path = template.replace(':id', id) + (r.query?.value ?? '');
      const headers: Array<readonly [string, string | Buffer]> = [...(r.extraHeaders?.value ?? [])];
      if (authorizationHeader !== undefined) headers.push(['Authorization', authorizationHeader]);
      if (type !== undefined) headers.push(['Content-Type', type]);
      const length = requestBody?.length ?? 0;
      const lie = typeof frame.framing === 'number';
      const declared = lie ? Math.max(0, length + (frame.framing as number)) : undefined;
      const isRoute = ROUTES.some(([, t]) => t === template);
      return {
        template: isRoute ? (template as RouteTemplate) : 'random',
        id,
        authorization: authorizationHeader,
        promisesMore: declared !== undefined && declared > length,
        request: {
          method: r.method?.value ?? routeMethod,
          path,
          headers,
          ...(requestBody ? { body: requestBody } : {}),
          framing: declared ?? (frame.framing as 'exact' | 'none' | 'chunked'),
          halfClose: frame.halfClose,
        },
      };
    });
}
