import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An APIv3 known-answer vector (wechat-vectors.json): inputs may nest (`headers`). */
export interface V3Vector {
  id: string;
  kind: string;
  input: Record<string, string> & { headers?: Record<string, string> };
  expected: Record<string, string | boolean>;
}

interface VectorFile {
  keys: Record<string, { pem: string; serial?: string }>;
  vectors: V3Vector[];
}

const file = JSON.parse(
  readFileSync(new URL('../fixtures/wechat-vectors.json', import.meta.url), 'utf8'),
) as VectorFile;

/** The published vectors whose id starts with `v3-` and are of `kind`. */
export function v3Vectors(kind: string): V3Vector[] {
  return file.vectors.filter((v) => v.id.startsWith('v3-') && v.kind === kind);
}

/** Every published vector whose id starts with `v3-`, to check none is left untested. */
export function allV3VectorIds(): string[] {
  return file.vectors.filter((v) => v.id.startsWith('v3-')).map((v) => v.id);
}

/** The PEM of a key or certificate named in a vector's input. */
export function vectorPem(name: string): string {
  const entry = file.keys[name];
  if (entry === undefined) throw new Error(`no key ${name} in the vectors`);
  return entry.pem;
}

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/certs/${name}`, import.meta.url), 'utf8');
}

/** A platform key pair and its certificate, as WeChat holds it. */
export interface PlatformIdentity {
  serial: string;
  certPem: string;
  privateKey: KeyObject;
}

/**
 * Two platform identities with different key pairs, for rotation: A is the wechatpay-go test
 * certificate F5765756002FDD77 and its published key; B is this package's test server
 * certificate (test/fixtures/certs) and its key.
 */
export const platformA: PlatformIdentity = {
  serial: 'F5765756002FDD77',
  certPem: vectorPem('wechatpay_go_cert_F5765756002FDD77'),
  privateKey: createPrivateKey(vectorPem('wechatpay_go_test_private_key')),
};
export const platformB: PlatformIdentity = {
  serial: '712E003FB4958B6E11DE6997B4968DC715955522',
  certPem: fixture('server.pem'),
  privateKey: createPrivateKey(fixture('server.key')),
};

/** The merchant: wechatpy's published test key, a made-up certificate serial. */
export const merchant = {
  mchId: '1900009191',
  appId: 'wxd678efh567hg6787',
  serialNo: '444F4864EA9B34415B3A1AB9F5F6AF37F8C0E9F1',
  privateKey: createPrivateKey(vectorPem('wechatpy_apiclient_key')),
  publicKey: createPublicKey(createPrivateKey(vectorPem('wechatpy_apiclient_key'))),
  apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
};
