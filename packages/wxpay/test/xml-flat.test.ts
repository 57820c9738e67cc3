import { describe, expect, it } from 'vitest';
import { isWxPayError } from '../src/errors.js';
import { readFlatXml } from '../src/xml-flat.js';
import { decodeEntities, parseFully, toXml } from '../src/xml.js';
import { vectorsOfKind } from './support/vectors.js';

const vectorXml = [...vectorsOfKind('v2_verify'), ...vectorsOfKind('v2_refund_reqinfo_decrypt')]
  .map((v) => v.input.xml)
  .filter((xml): xml is string => typeof xml === 'string');

/** Well-formed bodies of the shape APIv2 uses, written in every style seen in the wild. */
const corpus = [
  ...vectorXml,
  toXml({ return_code: 'SUCCESS', attach: '订单 ]]> <备注> & "引号"', empty: '', n: 1 }),
  '<xml>\n  <a>plain &lt;text&gt; &amp; &#20013;&#x6587;</a>\n\t<b><![CDATA[ cdata ]]></b>\n</xml>\n',
  '<xml><a>x<![CDATA[<y>]]>z</a><b/><c></c><d.e-f_1>v</d.e-f_1></xml>',
  '  <xml>  <a> spaced </a>  </xml>  ',
  '<xml></xml>',
  '<xml>\n</xml>',
  '<root><out_refund_no><![CDATA[1]]></out_refund_no></root>',
];

/** What the full fast-xml-parser path makes of `text`: the fields, or the error code. */
function full(text: string, rootName: string): Record<string, string> | string {
  try {
    return parseFully(text, rootName);
  } catch (err) {
    if (isWxPayError(err)) return err.code;
    throw err;
  }
}

/** Deterministic variations: every deletion, and insertions of XML's special characters. */
function* mutations(text: string): Generator<string> {
  const inserts = [
    '<',
    '>',
    '/',
    '&',
    ';',
    ']]>',
    '<![CDATA[',
    ' ',
    '\n',
    'a',
    '"',
    '<a>',
    '</a>',
    '-',
  ];
  for (let i = 0; i < text.length; i += 1) {
    yield text.slice(0, i) + text.slice(i + 1);
    yield text.slice(0, i) + (inserts[i % inserts.length] ?? '') + text.slice(i);
  }
  yield text + text;
}

describe('readFlatXml (the fast path of fromXml)', () => {
  it('when bodies have the usual APIv2 shape, then the fast path reads them itself', () => {
    for (const text of corpus) {
      const rootName = text.includes('<root>') ? 'root' : 'xml';
      expect(readFlatXml(text, rootName, decodeEntities), text).toBeDefined();
    }
  });

  it('when it reads a body, then the fast-xml-parser path reads exactly the same fields', () => {
    let compared = 0;
    for (const base of corpus) {
      const rootName = base.includes('<root>') ? 'root' : 'xml';
      for (const text of [base, ...mutations(base)]) {
        const fast = readFlatXml(text, rootName, decodeEntities);
        if (fast === undefined) continue; // handed to the full parser: nothing to compare
        expect(full(text, rootName), JSON.stringify(text)).toEqual(fast);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it.each([
    ['a declaration', '<?xml version="1.0"?><xml><a>1</a></xml>'],
    ['a comment', '<xml><!-- c --><a>1</a></xml>'],
    ['a carriage return', '<xml>\r\n<a>1</a></xml>'],
    ['an attribute', '<xml><a b="1">1</a></xml>'],
    ['nesting', '<xml><a><b>1</b></a></xml>'],
    ['a repeated name', '<xml><a>1</a><a>2</a></xml>'],
    ['a prototype name', '<xml><toString>1</toString></xml>'],
    ['a bare &', '<xml><a>a & b</a></xml>'],
    ['text beside fields', '<xml>x<a>1</a></xml>'],
    ['truncation', '<xml><a>1</a>'],
    ['trailing content', '<xml></xml><xml></xml>'],
    ['a BOM', '\uFEFF<xml></xml>'],
  ])('when a body has %s, then the fast path steps aside', (_what, text) => {
    expect(readFlatXml(text, 'xml', decodeEntities)).toBeUndefined();
  });
});
