import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { EntityDecoderOptions } from 'fast-xml-parser';
import { wxPayError } from './errors.js';
import { readFlatXml } from './xml-flat.js';

/** Bodies larger than this are refused unless `maxBytes` says otherwise: 1 MiB. */
export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;

export interface FromXmlOptions {
  /** Refuse a body of more bytes than this (UTF-8). Default {@link DEFAULT_MAX_XML_BYTES}. */
  maxBytes?: number;
  /** The required root element. Default `xml`; the decrypted refund `req_info` uses `root`. */
  rootName?: string;
}

export interface ToXmlOptions {
  /** The root element. Default `xml`. */
  rootName?: string;
}

/** Values `toXml` writes; `undefined` and `null` are left out. */
export type XmlFields = Readonly<Record<string, string | number | null | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// XML 1.0 forbids these characters everywhere, CDATA included.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DOCTYPE_OR_ENTITY = /<!\s*(?:DOCTYPE|ENTITY)/i;

/** True for a code point XML 1.0 allows (`Char`), as a character or a character reference. */
function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x9 || code === 0xa || code === 0xd;
  if (code >= 0xd800 && code <= 0xdfff) return false;
  return code <= 0xfffd || (code >= 0x10000 && code <= 0x10ffff);
}
const WHITESPACE_ONLY = /^[ \t\r\n]*$/;
const TEXT = '#text';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** fast-xml-parser's hook for entities, answered by {@link decodeEntities}. */
const xmlEntityDecoder: EntityDecoderOptions = {
  reset() {},
  setXmlVersion() {},
  addInputEntities() {},
  setExternalEntities() {},
  decode: decodeEntities,
};

/** Thrown from inside the parser for names that would shadow `Object.prototype` members. */
class RefusedName extends Error {}

/**
 * Strict XML entity decoding for text (never CDATA): the five predefined entities and numeric
 * character references. Anything else cannot be defined without a DOCTYPE, which is refused,
 * so it is malformed.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&]*);?/g, (match, ref: string) => {
    if (!match.endsWith(';')) throw new Error('a bare & in text');
    switch (ref) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'apos':
        return "'";
      case 'quot':
        return '"';
    }
    const code = /^#x[0-9A-Fa-f]{1,6}$/.test(ref)
      ? parseInt(ref.slice(2), 16)
      : /^#[0-9]{1,7}$/.test(ref)
        ? parseInt(ref.slice(1), 10)
        : NaN;
    if (!isXmlChar(code)) {
      throw new Error(`unknown entity &${ref.slice(0, 20)};`);
    }
    return String.fromCodePoint(code);
  });
}

const parser = new XMLParser({
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  ignoreDeclaration: true,
  ignorePiTags: true,
  entityDecoder: xmlEntityDecoder,
  // The default renames `toString` & co. to `__toString`, silently changing a signed field.
  onDangerousProperty: (name) => {
    throw new RefusedName(name);
  },
});

/**
 * Parses an APIv2 body (docs/protocol.md §1) into fields, each value the exact string received (no
 * trimming, no number coercion, CDATA and text alike). The body must be well-formed UTF-8 XML of
 * at most `maxBytes`, with one root element (`<xml>` unless `rootName`) holding only flat child
 * elements: no DOCTYPE or entity declarations (checked before parsing), no attributes, no nesting,
 * no repeated names, no text beside the children. Anything else throws `WxPayError` kind `xml`.
 */
export function fromXml(
  body: string | Uint8Array,
  options: FromXmlOptions = {},
): Record<string, string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const rootName = options.rootName ?? 'xml';
  const text = decodeBody(body, maxBytes);
  if (DOCTYPE_OR_ENTITY.test(text)) {
    throw xmlError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE and ENTITY declarations are not accepted');
  }
  // A NUL or another control character is malformed XML, and no store could keep it anyway
  // (PostgreSQL's jsonb refuses U+0000), so it never becomes a field.
  const bad = FORBIDDEN_CHARS.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw xmlError('XML_MALFORMED', `malformed XML: U+${code} is not allowed in XML`);
  }
  return readFlatXml(text, rootName, decodeEntities) ?? parseFully(text, rootName);
}

/**
 * The general path of {@link fromXml}: fast-xml-parser's validator, then its parser, then the
 * flat-shape checks. Exported for the test that compares it with the fast path.
 */
export function parseFully(text: string, rootName: string): Record<string, string> {
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw xmlError('XML_MALFORMED', `malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof RefusedName) {
      throw xmlError(
        'XML_NAME_REFUSED',
        `element name <${err.message.slice(0, 40)}> is not accepted`,
      );
    }
    throw xmlError('XML_MALFORMED', `malformed XML: ${(err as Error).message}`, err);
  }
  return flatFields(document, rootName);
}

/**
 * Writes fields as an APIv2 body: `<xml>` (or `rootName`) with one child per field, every value
 * in CDATA (`]]>` inside a value is split across two sections), `undefined`/`null` left out.
 * Field names must be plain XML names; values may not hold characters XML forbids.
 */
export function toXml(fields: XmlFields, options: ToXmlOptions = {}): string {
  const rootName = options.rootName ?? 'xml';
  requireName(rootName, 'root');
  let out = `<${rootName}>`;
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    requireName(name, 'field');
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw wxPayError(
        'config',
        'INVALID_ARGUMENT',
        `toXml: field ${name} must be a string or a number, not ${typeof value}`,
      );
    }
    const text = String(value);
    if (FORBIDDEN_CHARS.test(text)) {
      throw wxPayError(
        'config',
        'INVALID_ARGUMENT',
        `toXml: field ${name} holds a control character XML cannot carry`,
      );
    }
    out += `<${name}><![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
  }
  return out + `</${rootName}>`;
}

function decodeBody(body: string | Uint8Array, maxBytes: number): string {
  if (typeof body === 'string') {
    // A string can be at most 3 bytes per UTF-16 unit: skip counting when it clearly fits.
    if (body.length * 3 > maxBytes && Buffer.byteLength(body, 'utf8') > maxBytes) {
      throw tooLarge(maxBytes);
    }
    return body;
  }
  if (!(body instanceof Uint8Array)) {
    throw xmlError('XML_MALFORMED', 'the body must be a string or a Buffer');
  }
  if (body.byteLength > maxBytes) throw tooLarge(maxBytes);
  try {
    return utf8.decode(body);
  } catch (err) {
    throw xmlError('XML_ENCODING', 'the body is not valid UTF-8', err);
  }
}

function flatFields(document: Record<string, unknown>, rootName: string): Record<string, string> {
  const names = Object.keys(document);
  if (names.length !== 1 || names[0] !== rootName) {
    throw xmlError(
      'XML_ROOT_INVALID',
      `the root element must be <${rootName}>, found ${names.map((n) => `<${n}>`).join(', ') || 'none'}`,
    );
  }
  const root = document[rootName];
  const fields: Record<string, string> = {};
  if (typeof root === 'string') {
    if (!WHITESPACE_ONLY.test(root)) {
      throw xmlError('XML_NESTED', `<${rootName}> holds text instead of fields`);
    }
    return fields;
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw xmlError('XML_ROOT_INVALID', `there must be exactly one <${rootName}> element`);
  }
  const entries = root as Record<string, unknown>;
  for (const name of Object.keys(entries)) {
    const value = entries[name];
    if (name === TEXT) {
      if (typeof value === 'string' && WHITESPACE_ONLY.test(value)) continue;
      throw xmlError('XML_NESTED', `<${rootName}> holds text beside its fields`);
    }
    if (name.startsWith('@_')) {
      throw xmlError('XML_ATTRIBUTES', `<${rootName}> has attributes; APIv2 bodies carry none`);
    }
    if (typeof value === 'string') {
      fields[name] = value;
    } else if (Array.isArray(value)) {
      throw xmlError('XML_DUPLICATE_FIELD', `field <${name}> appears more than once`);
    } else {
      const inner = value === null || typeof value !== 'object' ? [] : Object.keys(value);
      throw inner.some((key) => key.startsWith('@_'))
        ? xmlError('XML_ATTRIBUTES', `field <${name}> has attributes; APIv2 fields carry none`)
        : xmlError('XML_NESTED', `field <${name}> holds elements; APIv2 fields are flat`);
    }
  }
  return fields;
}

function requireName(name: string, what: string): void {
  if (!NAME.test(name)) {
    throw wxPayError(
      'config',
      'INVALID_ARGUMENT',
      `toXml: ${what} name ${JSON.stringify(name.slice(0, 40))} is not a plain XML name`,
    );
  }
}

function tooLarge(maxBytes: number) {
  return xmlError('XML_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
}

function xmlError(code: string, message: string, cause?: unknown) {
  return wxPayError('xml', code, `fromXml: ${message}`, cause === undefined ? {} : { cause });
}
