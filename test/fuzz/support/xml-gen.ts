import fc from 'fast-check';

/**
 * Generators for APIv2 XML bodies: field sets, the many equivalent ways to write one (CDATA or
 * escaped text, split sections, character references, whitespace, a declaration, comments),
 * and junk built from the tokens parsers trip over.
 */

export type Fields = Record<string, string>;

/** Names fromXml refuses on purpose: they would shadow Object.prototype members. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

const WECHAT_NAMES = [
  'return_code',
  'return_msg',
  'appid',
  'mch_id',
  'nonce_str',
  'sign',
  'sign_type',
  'result_code',
  'err_code',
  'openid',
  'total_fee',
  'cash_fee',
  'transaction_id',
  'out_trade_no',
  'time_end',
  'req_info',
  'attach',
  'xml',
  'root',
  'a',
];

export const fieldName: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 2, arbitrary: fc.constantFrom(...WECHAT_NAMES) },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/) },
  )
  .filter((name) => !RESERVED_NAMES.has(name));

// XML 1.0 cannot carry these at all; `\r` is normalised to `\n` by every XML parser, so a value
// holding it cannot survive a round trip either (WeChat never sends one).
// eslint-disable-next-line no-control-regex -- the control characters are the point
const NOT_CARRIED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\r]/;

const valueChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'aZ09 _-.:/=+&<>"\'\n\t]['.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(']]>', '<![CDATA[', '&amp;', '&#x41;', '--', '<!--') },
  { weight: 2, arbitrary: fc.constantFrom('中', '文', '😀', '\u00a0', '\u2028', '\uFEFF', 'é') },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** A value XML can carry exactly (no forbidden characters, no lone surrogates, no `\r`). */
export const fieldValue: fc.Arbitrary<string> = fc
  .array(valueChar, { maxLength: 24 })
  .map((parts) => parts.join(''))
  .filter((value) => isWellFormed(value) && !NOT_CARRIED.test(value));

/** No lone surrogate (String.prototype.isWellFormed, which ES2022 typings lack). */
export function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

export const fieldSet: fc.Arbitrary<Fields> = fc
  .uniqueArray(fc.tuple(fieldName, fieldValue), { selector: ([name]) => name, maxLength: 20 })
  .map((entries) => Object.fromEntries(entries));

/** A small deterministic PRNG (mulberry32), so one generated integer drives a whole layout. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** One character as escaped text: itself, or a decimal / hex character reference. */
function escapeChar(char: string, random: () => number): string {
  const code = char.codePointAt(0) ?? 0;
  const roll = random();
  if (char === '&' || char === '<' || char === '>') {
    if (roll < 0.5) return { '&': '&amp;', '<': '&lt;', '>': '&gt;' }[char];
  } else if (roll >= 0.15) {
    return char;
  }
  return roll < 0.75 ? `&#${code};` : `&#x${code.toString(16)};`;
}

function asText(piece: string, random: () => number): string {
  let out = '';
  for (const char of piece) out += escapeChar(char, random);
  return out;
}

function asCdata(piece: string): string {
  return `<![CDATA[${piece.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** A value written as a random mix of CDATA sections and escaped text, cut at random places. */
function writeValue(value: string, random: () => number): string {
  const chars = [...value];
  let out = '';
  let i = 0;
  while (i < chars.length) {
    const length = 1 + Math.floor(random() * Math.max(1, chars.length - i));
    const piece = chars.slice(i, i + length).join('');
    out += random() < 0.5 ? asCdata(piece) : asText(piece, random);
    i += length;
  }
  return out;
}

const SPACES = ['', ' ', '\n', '\t', '\n  ', '\r\n', '  \n\t'];

/**
 * `fields` as an XML document, laid out by `layoutSeed`: fields in a shuffled order, each value
 * as CDATA and/or escaped text, whitespace and comments between elements, maybe a declaration.
 * Every layout means the same fields.
 */
export function writeXml(fields: Fields, layoutSeed: number, rootName = 'xml'): string {
  const random = prng(layoutSeed);
  const names = Object.keys(fields);
  for (let i = names.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [names[i], names[j]] = [names[j] as string, names[i] as string];
  }
  const gap = () =>
    pick(random, SPACES) + (random() < 0.1 ? `<!-- ${asText('note', random)} -->` : '');
  let out = random() < 0.3 ? '<?xml version="1.0" encoding="UTF-8"?>' + pick(random, SPACES) : '';
  out += `<${rootName}>`;
  for (const name of names) {
    const value = fields[name] ?? '';
    out += gap();
    if (value === '' && random() < 0.5) out += random() < 0.5 ? `<${name}/>` : `<${name} />`;
    else out += `<${name}>${writeValue(value, random)}</${name}>`;
  }
  return out + gap() + `</${rootName}>` + pick(random, SPACES);
}

/** Pieces that XML parsers have to get right; strung together at random they make junk. */
export const XML_TOKENS = [
  '<xml>',
  '</xml>',
  '<root>',
  '</root>',
  '<a>',
  '</a>',
  '<a/>',
  '<b x="1">',
  '</b>',
  '<![CDATA[',
  ']]>',
  ']]',
  '&amp;',
  '&lt;',
  '&#x41;',
  '&#0;',
  '&#xD800;',
  '&#1114112;',
  '&x;',
  '&',
  ';',
  '<!DOCTYPE xml [<!ENTITY x "boom">]>',
  '<!ENTITY y SYSTEM "file:///etc/passwd">',
  '&x;&x;&x;',
  '<?xml version="1.0"?>',
  '<?xml version="1.0" encoding="GBK"?>',
  '<?pi data?>',
  '<!--',
  '-->',
  '<',
  '>',
  '/',
  '=',
  '"',
  "'",
  ' ',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u0001',
  '\uFEFF',
  '\uFFFE',
  '\uD800',
  '中',
  '😀',
  'x',
  'sign',
  '<__proto__>',
  '</__proto__>',
  '<constructor>',
  '<toString>',
  '<hasOwnProperty>',
  '<#text>',
  '<@_a>',
  '<a:b>',
  '</a:b>',
  '<1a>',
  '<xml><xml>',
];

export const junkText: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...XML_TOKENS), { maxLength: 40 }).map((tokens) => tokens.join('')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
);

export const junkBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 300 });

/** A byte-level change to a body: what a flaky network, a fuzzer or an attacker might do. */
export type ByteMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; token: string }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; byte: number };

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), token: fc.constantFrom(...XML_TOKENS) }),
  fc.record({
    kind: fc.constant('duplicate'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('set'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
) as fc.Arbitrary<ByteMutation>;

/** Applies byte mutations in order (positions wrap around the current length). */
export function mutateBytes(body: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let bytes = Buffer.from(body);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    switch (m.kind) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
        break;
      case 'set':
        if (bytes.length > 0) bytes[at] = m.byte;
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(m.token), bytes.subarray(at)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
        break;
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
    }
  }
  return bytes;
}

/** Byte sequences that are not UTF-8: a stray continuation, overlongs, a surrogate, cut-offs. */
export const INVALID_UTF8: readonly number[][] = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xe4, 0xb8],
  [0xf0, 0x9f, 0x98],
  [0xfe],
  [0xff],
  [0xff, 0xfe],
];
