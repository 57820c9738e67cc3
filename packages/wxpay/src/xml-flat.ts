/**
 * A one-pass reader for the exact shape APIv2 bodies have: `<root>` holding flat `<name>value</name>`
 * children (text, CDATA and the XML entities), whitespace between them, nothing else.
 *
 * Why it exists: fast-xml-parser's validator plus parser cost ~45 µs for a 20-field notification,
 * as much as the library this package replaces. This reader checks the same grammar while it reads
 * (~3 µs). It never decides that a body is bad: for anything outside its narrow, well-formed
 * subset (a declaration, comments, `\r`, attributes, nesting, repeated or unusual names, a stray
 * `&` or `]]>`, truncation…) it returns `undefined` and `fromXml` hands the body to
 * fast-xml-parser, which validates and parses it or says precisely what is wrong. A differential
 * test checks that both paths agree on every body this one accepts.
 */

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

/** Entity decoding for text runs; throws on anything it does not accept. */
export type TextDecoderFn = (text: string) => string;

/**
 * The fields of `text` if it is a flat APIv2 document with root `rootName` inside the subset
 * this reader knows, else `undefined` (meaning: ask the full parser, not "invalid").
 */
export function readFlatXml(
  text: string,
  rootName: string,
  decodeText: TextDecoderFn,
): Record<string, string> | undefined {
  if (text.includes('\r')) return undefined; // XML line-end normalisation: leave it to the parser
  const open = `<${rootName}>`;
  let i = skipSpace(text, 0);
  if (!text.startsWith(open, i)) return undefined;
  i += open.length;
  const fields: Record<string, string> = {};
  for (;;) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== LT) return undefined;
    if (text.charCodeAt(i + 1) === SLASH) {
      const close = `</${rootName}>`;
      if (!text.startsWith(close, i)) return undefined;
      return skipSpace(text, i + close.length) === text.length ? fields : undefined;
    }
    const nameEnd = nameEndAt(text, i + 1);
    if (nameEnd === i + 1) return undefined;
    const name = text.slice(i + 1, nameEnd);
    if (Object.hasOwn(fields, name) || name in Object.prototype || name === 'prototype') {
      return undefined; // repeated, or a name the parser refuses or renames
    }
    let value: string;
    if (text.charCodeAt(nameEnd) === SLASH && text.charCodeAt(nameEnd + 1) === GT) {
      value = '';
      i = nameEnd + 2;
    } else if (text.charCodeAt(nameEnd) === GT) {
      const read = readValue(text, nameEnd + 1, name, decodeText);
      if (read === undefined) return undefined;
      [value, i] = read;
    } else {
      return undefined; // attributes, or a character names cannot hold here
    }
    fields[name] = value;
  }
}

/** The value of an element whose content starts at `start`, and the index after its end tag. */
function readValue(
  text: string,
  start: number,
  name: string,
  decodeText: TextDecoderFn,
): [string, number] | undefined {
  let value = '';
  let i = start;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt === -1) return undefined;
    if (lt > i) {
      const run = text.slice(i, lt);
      if (run.includes(CDATA_CLOSE)) return undefined;
      if (run.includes('&')) {
        try {
          value += decodeText(run);
        } catch {
          return undefined;
        }
      } else {
        value += run;
      }
    }
    if (text.charCodeAt(lt + 1) === SLASH) {
      const end = lt + 2 + name.length;
      if (!text.startsWith(name, lt + 2) || text.charCodeAt(end) !== GT) return undefined;
      return [value, end + 1];
    }
    if (!text.startsWith(CDATA_OPEN, lt)) return undefined; // a nested element or a comment
    const close = text.indexOf(CDATA_CLOSE, lt + CDATA_OPEN.length);
    if (close === -1) return undefined;
    value += text.slice(lt + CDATA_OPEN.length, close);
    i = close + CDATA_CLOSE.length;
  }
}

/** The index after a name of `[A-Za-z_][A-Za-z0-9_.-]*` starting at `i` (`i` if there is none). */
function nameEndAt(text: string, i: number): number {
  let j = i;
  for (;;) {
    const c = text.charCodeAt(j);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
    const more = j > i && ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e);
    if (!letter && !more) return j;
    j += 1;
  }
}

function skipSpace(text: string, i: number): number {
  let j = i;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09) return j;
    j += 1;
  }
}
