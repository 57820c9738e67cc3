import { createHash, createDecipheriv } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A merchant's message URL for tests: records every push with its query and answers `success`
 * unless `respond` says otherwise. The checks below are written from WeChat's message push rules
 * (docs/sandbox.md §14), independently of the sandbox's own code.
 */
export interface MessageReceiver {
  url: string;
  hits: { query: URLSearchParams; body: string }[];
  respond: (n: number) => { status: number; body: string };
  close(): Promise<void>;
}

export async function startMessageReceiver(): Promise<MessageReceiver> {
  const receiver: MessageReceiver = {
    url: '',
    hits: [],
    respond: () => ({ status: 200, body: 'success' }),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      receiver.hits.push({ query, body: Buffer.concat(chunks).toString('utf8') });
      const answer = receiver.respond(receiver.hits.length);
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wx/message`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

/** hex SHA-1 of the parts sorted as strings and joined. */
export const sortedSha1 = (...parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');

/** Decrypts a safe-mode `Encrypt`: AES-256-CBC, key = b64(EncodingAESKey + "="), IV = key[0..16]. */
export function decryptMessage(encrypted: string, encodingAesKey: string) {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([
    decipher.update(Buffer.from(encrypted, 'base64')),
    decipher.final(),
  ]);
  const content = plain.subarray(16, plain.length - plain[plain.length - 1]!);
  const length = content.readUInt32BE(0);
  return {
    message: content.subarray(4, 4 + length).toString('utf8'),
    appId: content.subarray(4 + length).toString('utf8'),
  };
}
