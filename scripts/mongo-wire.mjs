// A MongoDB `hello` over the wire protocol with Node built-ins only (the scripts run before any
// dependency is installed): proves the server speaks MongoDB, not just that a port is open.
import { tcpCheck } from './tcp.mjs';

const OP_MSG = 2013;

/** BSON for `{hello: 1, $db: 'admin'}` (int32 hello, string $db). */
function helloDocument() {
  const parts = [
    element(0x10, 'hello', int32(1)),
    element(0x02, '$db', Buffer.concat([int32(6), Buffer.from('admin\0')])),
  ];
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(4 + body.length + 1), body, Buffer.from([0])]);
}

function element(type, name, value) {
  return Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\0`), value]);
}

function int32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
}

/** Size of a BSON value of `type` starting at `offset`, for the types a hello reply holds. */
function valueSize(doc, type, offset) {
  switch (type) {
    case 0x01: // double
    case 0x09: // datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
      return 4 + doc.readInt32LE(offset);
    case 0x03: // document
    case 0x04: // array
      return doc.readInt32LE(offset);
    case 0x05: // binary
      return 4 + 1 + doc.readInt32LE(offset);
    case 0x07: // ObjectId
      return 12;
    case 0x08: // bool
      return 1;
    case 0x0a: // null
      return 0;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unexpected BSON type ${type} in hello reply`);
  }
}

/** The numeric `ok` field of a top-level BSON document, or undefined. */
function readOk(doc) {
  let offset = 4;
  while (offset < doc.length - 1) {
    const type = doc[offset];
    const nameEnd = doc.indexOf(0, offset + 1);
    const name = doc.toString('utf8', offset + 1, nameEnd);
    const valueAt = nameEnd + 1;
    if (name === 'ok') {
      if (type === 0x01) return doc.readDoubleLE(valueAt);
      if (type === 0x10) return doc.readInt32LE(valueAt);
    }
    offset = valueAt + valueSize(doc, type, valueAt);
  }
  return undefined;
}

/** An OP_MSG carrying `{hello: 1, $db: 'admin'}`. */
function helloMessage() {
  const doc = helloDocument();
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + 4 + 1 + doc.length, 0); // messageLength
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([header, int32(0), Buffer.from([0]), doc]); // flagBits, section kind 0
}

/** Whether a complete reply says `ok: 1`; undefined while bytes are missing. */
function helloAnswer(received) {
  if (received.length < 4 || received.length < received.readInt32LE(0)) return undefined;
  try {
    // header (16) + flagBits (4) + section kind 0 (1) + the reply document
    return received.readInt32LE(12) === OP_MSG && readOk(received.subarray(21)) === 1;
  } catch {
    return false;
  }
}

/**
 * Sends `hello` to a MongoDB-protocol server; true when it answers `ok: 1`.
 * @param {string} host
 * @param {number} port
 * @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function mongoHello(host, port, timeoutMs = 2000) {
  return tcpCheck(host, port, { send: helloMessage(), answer: helloAnswer, timeoutMs });
}
