import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { DEFAULT_MAX_XML_BYTES, fromXml, toXml } from '../src/xml.js';

/** The `code` of the WxPayError `fn` throws (fails the test if it throws something else). */
function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isWxPayError(err)) return `${err.kind}:${err.code}`;
    throw err;
  }
  throw new Error('expected a WxPayError, nothing was thrown');
}

describe('toXml', () => {
  it('when fields are written, then every value is in CDATA under <xml>', () => {
    expect(toXml({ return_code: 'SUCCESS', total_fee: 1 })).toBe(
      '<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee><![CDATA[1]]></total_fee></xml>',
    );
  });

  it('when a value contains ]]>, then the CDATA is split and the value survives', () => {
    const xml = toXml({ attach: 'a]]>b]]>' });
    expect(xml).toBe('<xml><attach><![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]></attach></xml>');
    expect(fromXml(xml)).toEqual({ attach: 'a]]>b]]>' });
  });

  it('when values are undefined or null, then they are left out; empty strings stay', () => {
    expect(fromXml(toXml({ a: undefined, b: null, c: '' }))).toEqual({ c: '' });
  });

  it('when a name is not a plain XML name, then it is refused', () => {
    expect(errorCode(() => toXml({ 'a><b': 'x' }))).toBe('config:INVALID_ARGUMENT');
    expect(errorCode(() => toXml({ '1a': 'x' }))).toBe('config:INVALID_ARGUMENT');
    expect(errorCode(() => toXml({ a: 'x' }, { rootName: 'x y' }))).toBe('config:INVALID_ARGUMENT');
  });

  it('when a value holds a control character XML cannot carry, then it is refused', () => {
    expect(errorCode(() => toXml({ a: 'x\u0000y' }))).toBe('config:INVALID_ARGUMENT');
    expect(errorCode(() => toXml({ a: { b: 1 } as unknown as string }))).toBe(
      'config:INVALID_ARGUMENT',
    );
  });

  it('when a root name is given, then it is used', () => {
    expect(toXml({ a: '1' }, { rootName: 'root' })).toBe('<root><a><![CDATA[1]]></a></root>');
  });
});

describe('fromXml: values stay exact strings', () => {
  it('when values look like numbers or carry spaces, then nothing is coerced or trimmed', () => {
    const xml =
      '<xml>\n  <total_fee>0100</total_fee>\n  <a> x </a>\n  <b><![CDATA[ 1e3 ]]></b>\n' +
      '  <c>true</c>\n  <d></d>\n  <e/>\n  <f>\n</f>\n</xml>';
    expect(fromXml(xml)).toEqual({
      total_fee: '0100',
      a: ' x ',
      b: ' 1e3 ',
      c: 'true',
      d: '',
      e: '',
      f: '\n',
    });
  });

  it('when Chinese text and emoji round-trip, then they come back byte for byte', () => {
    const fields = {
      body: '腾讯充值中心-QQ会员充值',
      attach: '支付测试 ✓ 😀',
      detail: '{"a":"<b>&"}',
    };
    expect(fromXml(toXml(fields))).toEqual(fields);
    expect(fromXml(Buffer.from(toXml(fields), 'utf8'))).toEqual(fields);
  });

  it('when plain text uses the XML entities, then they are decoded; inside CDATA they are not', () => {
    expect(fromXml('<xml><a>&lt;&gt;&amp;&apos;&quot;&#20013;&#x6587;</a></xml>')).toEqual({
      a: `<>&'"中文`,
    });
    expect(fromXml('<xml><a><![CDATA[&lt;&#20013;]]></a></xml>')).toEqual({ a: '&lt;&#20013;' });
  });

  it('when text and CDATA are mixed in one value, then they are joined in order', () => {
    expect(fromXml('<xml><a>x<![CDATA[<y>]]>z</a></xml>')).toEqual({ a: 'x<y>z' });
  });

  it('when there is a declaration, a BOM or a comment, then they are ignored', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<xml><!-- note --><a>1</a></xml>'),
    ]);
    expect(fromXml(body)).toEqual({ a: '1' });
  });

  it('when the root is empty, then there are no fields', () => {
    expect(fromXml('<xml></xml>')).toEqual({});
    expect(fromXml('<xml/>')).toEqual({});
    expect(fromXml('<xml>\n</xml>')).toEqual({});
  });

  it('when the refund <root> is expected, then rootName accepts it and <xml> is refused', () => {
    expect(fromXml('<root><a>1</a></root>', { rootName: 'root' })).toEqual({ a: '1' });
    expect(errorCode(() => fromXml('<xml><a>1</a></xml>', { rootName: 'root' }))).toBe(
      'xml:XML_ROOT_INVALID',
    );
  });
});

describe('fromXml: refusals', () => {
  it('when the body is over 1 MiB, then it is refused before parsing (string and Buffer)', () => {
    const filler = 'a'.repeat(DEFAULT_MAX_XML_BYTES);
    const big = `<xml><a>${filler}</a></xml>`;
    expect(errorCode(() => fromXml(big))).toBe('xml:XML_TOO_LARGE');
    expect(errorCode(() => fromXml(Buffer.from(big)))).toBe('xml:XML_TOO_LARGE');
  });

  it('when the size is counted, then it is bytes, not characters', () => {
    const value = '中'.repeat(400_000); // 1.2 MB of UTF-8 in 400 000 characters
    expect(errorCode(() => fromXml(`<xml><a>${value}</a></xml>`))).toBe('xml:XML_TOO_LARGE');
    const exact = '<xml><a>' + 'x'.repeat(100 - 18) + '</a></xml>';
    expect(Buffer.byteLength(exact)).toBe(100);
    expect(fromXml(exact, { maxBytes: 100 }).a).toHaveLength(82);
    expect(errorCode(() => fromXml(exact, { maxBytes: 99 }))).toBe('xml:XML_TOO_LARGE');
  });

  it('when a DOCTYPE or ENTITY (billion laughs, external entity) is present, then it is refused', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY lol "lol">' +
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      '<xml><a>&lol2;</a></xml>';
    const external =
      '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>';
    expect(errorCode(() => fromXml(laughs))).toBe('xml:XML_DOCTYPE_FORBIDDEN');
    expect(errorCode(() => fromXml(external))).toBe('xml:XML_DOCTYPE_FORBIDDEN');
    expect(errorCode(() => fromXml('<!doctype xml><xml></xml>'))).toBe('xml:XML_DOCTYPE_FORBIDDEN');
  });

  it('when an entity is undefined or & is bare, then it is refused', () => {
    expect(errorCode(() => fromXml('<xml><a>&lol;</a></xml>'))).toMatch(/^xml:XML_MALFORMED$/);
    expect(errorCode(() => fromXml('<xml><a>a & b</a></xml>'))).toMatch(/^xml:XML_MALFORMED$/);
    expect(errorCode(() => fromXml('<xml><a>&#0;</a></xml>'))).toMatch(/^xml:XML_MALFORMED$/);
  });

  it('when a character XML 1.0 forbids arrives, raw, in CDATA or as a reference, then it is refused', () => {
    for (const body of [
      '<xml><a>x\u0000y</a></xml>',
      '<xml><a><![CDATA[x\u0000y]]></a></xml>',
      '<xml><a>x\u0001y</a></xml>',
      '<xml><a>\uFFFF</a></xml>',
      '<xml><a>x&#x1;y</a></xml>',
      '<xml><a>x&#11;y</a></xml>',
      '<xml><a>&#xFFFE;</a></xml>',
    ]) {
      expect(
        errorCode(() => fromXml(body)),
        JSON.stringify(body),
      ).toBe('xml:XML_MALFORMED');
      expect(
        errorCode(() => fromXml(Buffer.from(body))),
        JSON.stringify(body),
      ).toBe('xml:XML_MALFORMED');
    }
    // Tab, newline and carriage return are XML characters, raw or as references (a raw CR is a
    // line end, which XML reads as LF).
    expect(fromXml('<xml><a>1\t2\n3\r4</a><b>&#9;&#xA;&#13;</b></xml>')).toEqual({
      a: '1\t2\n3\n4',
      b: '\t\n\r',
    });
  });

  it.each([
    ['truncated', '<xml><a>1</a>'],
    ['truncated in a tag', '<xml><a>1</a'],
    ['mismatched tags', '<xml><a>1</b></xml>'],
    ['not XML', 'return_code=SUCCESS'],
    ['JSON', '{"return_code":"SUCCESS"}'],
    ['empty', ''],
    ['two roots', '<xml><a>1</a></xml><xml><a>2</a></xml>'],
    ['unclosed CDATA', '<xml><a><![CDATA[x</a></xml>'],
  ])('when the body is %s, then it is XML_MALFORMED', (_what, body) => {
    expect(errorCode(() => fromXml(body))).toBe('xml:XML_MALFORMED');
  });

  it('when the root is not <xml>, then it is XML_ROOT_INVALID', () => {
    expect(errorCode(() => fromXml('<root><a>1</a></root>'))).toBe('xml:XML_ROOT_INVALID');
    expect(errorCode(() => fromXml('<XML><a>1</a></XML>'))).toBe('xml:XML_ROOT_INVALID');
  });

  it('when a field holds an element, then it is XML_NESTED', () => {
    expect(errorCode(() => fromXml('<xml><a><b>1</b></a></xml>'))).toBe('xml:XML_NESTED');
    expect(errorCode(() => fromXml('<xml><a>1</a>stray</xml>'))).toBe('xml:XML_NESTED');
    expect(errorCode(() => fromXml('<xml>text</xml>'))).toBe('xml:XML_NESTED');
  });

  it('when there are attributes, then it is XML_ATTRIBUTES', () => {
    expect(errorCode(() => fromXml('<xml a="1"><b>2</b></xml>'))).toBe('xml:XML_ATTRIBUTES');
    expect(errorCode(() => fromXml('<xml><b c="1">2</b></xml>'))).toBe('xml:XML_ATTRIBUTES');
  });

  it('when a field repeats, then it is XML_DUPLICATE_FIELD', () => {
    expect(errorCode(() => fromXml('<xml><a>1</a><a>2</a></xml>'))).toBe('xml:XML_DUPLICATE_FIELD');
  });

  it('when the Buffer is not UTF-8, then it is XML_ENCODING', () => {
    const gbk = Buffer.concat([
      Buffer.from('<xml><a>'),
      Buffer.from([0xd6, 0xd0]),
      Buffer.from('</a></xml>'),
    ]);
    expect(errorCode(() => fromXml(gbk))).toBe('xml:XML_ENCODING');
  });

  it('when a field is named like an Object.prototype member, then it is refused, not renamed', () => {
    expect(errorCode(() => fromXml('<xml><__proto__>1</__proto__></xml>'))).toBe(
      'xml:XML_MALFORMED',
    );
    expect(errorCode(() => fromXml('<xml><constructor>1</constructor></xml>'))).toBe(
      'xml:XML_MALFORMED',
    );
    expect(errorCode(() => fromXml('<xml><toString>1</toString></xml>'))).toBe(
      'xml:XML_NAME_REFUSED',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when the body is not a string or Buffer, then it is refused', () => {
    expect(errorCode(() => fromXml(undefined as unknown as string))).toBe('xml:XML_MALFORMED');
    expect(errorCode(() => fromXml({} as unknown as string))).toBe('xml:XML_MALFORMED');
  });

  it('when random garbage and every truncation of a body arrive, then only xml errors come out', () => {
    const valid = toXml({ appid: 'wxfe00000000000001', attach: '中文]]>', total_fee: '1' });
    const inputs: Array<string | Buffer> = [];
    for (let i = 0; i < valid.length; i += 1) inputs.push(valid.slice(0, i));
    for (let i = 0; i < 300; i += 1) inputs.push(randomBytes(1 + (i % 64)));
    for (let i = 0; i < 300; i += 1) {
      const chars = ['<', '>', '/', 'x', 'm', 'l', '!', '[', ']', '&', ';', '"', '=', ' ', 'a'];
      let s = '<xml>';
      for (let j = 0; j < 24; j += 1) s += chars[(i * 7 + j * j) % chars.length];
      inputs.push(s);
    }
    for (const input of inputs) {
      try {
        fromXml(input);
      } catch (err) {
        expect(isWxPayError(err) && err.kind, String(input)).toBe('xml');
      }
    }
  });
});
