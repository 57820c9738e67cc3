import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { DEMO_CERTS_DIR } from '../certs.js';
import { selfSignedCertificate } from './x509.js';

const generateRsa = promisify(generateKeyPair);

/** How replies and notifications name their key: a platform certificate serial or a public key id. */
export type SigningMode = 'certificate' | 'public_key';

/** The id of the sandbox's WeChat Pay public key (`certs/wechatpay_pub_key.pem`). */
export const SANDBOX_PUBLIC_KEY_ID = 'PUB_KEY_ID_0119000001092026120100000000000001';

/** One platform certificate and its private key. */
export interface PlatformCertificateEntry {
  /** Uppercase hex, as `Wechatpay-Serial` carries it. */
  serial: string;
  pem: string;
  privateKey: KeyObject;
  validFrom: number;
  validTo: number;
  /** After a rotation: the sandbox time (ms) from which it is no longer served. */
  retiresAt?: number;
}

/** What signs a message: the key and the name (`Wechatpay-Serial`) it goes by. */
export interface Signer {
  serial: string;
  privateKey: KeyObject;
}

const read = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR), 'utf8');
const YEAR_MS = 365 * 24 * 3600_000;

function entryOf(pem: string, privateKey: KeyObject): PlatformCertificateEntry {
  const cert = new X509Certificate(pem);
  return {
    serial: cert.serialNumber.toUpperCase(),
    pem,
    privateKey,
    validFrom: Date.parse(cert.validFrom),
    validTo: Date.parse(cert.validTo),
  };
}

/**
 * The sandbox's WeChat Pay signing keys: platform certificates (the committed test-only one to
 * begin with, fresh self-signed ones on rotation) and the platform public key, plus the mode
 * saying which of them signs. After a rotation the newest certificate signs at once, and the
 * older ones stay served by `/v3/certificates` until their overlap ends, so a client that cached
 * an old one keeps verifying what it signed.
 */
export class PlatformKeys {
  readonly #certificates: PlatformCertificateEntry[] = [];
  readonly #publicKey: { id: string; pem: string; privateKey: KeyObject };
  #mode: SigningMode = 'certificate';

  /** `now`: the sandbox clock (ms), which decides when an old certificate retires. */
  constructor(private readonly now: () => number) {
    this.#certificates.push(
      entryOf(
        read('wechatpay_platform_cert.pem'),
        createPrivateKey(read('wechatpay_platform_key.pem')),
      ),
    );
    const privateKey = createPrivateKey(read('wechatpay_pub_key_private.pem'));
    this.#publicKey = {
      id: SANDBOX_PUBLIC_KEY_ID,
      pem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
      privateKey,
    };
  }

  get mode(): SigningMode {
    return this.#mode;
  }

  set mode(mode: SigningMode) {
    this.#mode = mode;
  }

  /** The public key of public-key mode (PEM) and its `PUB_KEY_ID_…`. */
  get publicKey(): { id: string; pem: string } {
    return { id: this.#publicKey.id, pem: this.#publicKey.pem };
  }

  /** What signs replies and notifications now. */
  signer(): Signer {
    if (this.#mode === 'public_key')
      return { serial: this.#publicKey.id, privateKey: this.#publicKey.privateKey };
    return this.certificateSigner();
  }

  /** The newest platform certificate: it signs `/v3/certificates` in either mode. */
  certificateSigner(): Signer {
    const newest = this.#certificates[this.#certificates.length - 1]!;
    return { serial: newest.serial, privateKey: newest.privateKey };
  }

  /** The certificates `/v3/certificates` serves now, oldest first. */
  served(): PlatformCertificateEntry[] {
    const now = this.now();
    return this.#certificates.filter((c) => c.retiresAt === undefined || now < c.retiresAt);
  }

  /**
   * Makes a new key pair and certificate, which signs from now on; every certificate served so
   * far retires `overlapSeconds` (sandbox time) from now, unless it retires sooner already.
   */
  async rotate(overlapSeconds: number): Promise<PlatformCertificateEntry> {
    const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    // Valid from a day before both clocks (real and sandbox), so neither side finds it not yet valid.
    const notBefore = Math.min(Date.now(), this.now()) - 24 * 3600_000;
    const pem = selfSignedCertificate({
      serialHex: newSerialHex(),
      publicKey,
      privateKey,
      notBefore,
      notAfter: Math.max(Date.now(), this.now()) + 5 * YEAR_MS,
      organization: 'Fen WeChat sandbox',
      commonName: 'Fen sandbox WeChat Pay platform certificate (rotated)',
    });
    const retiresAt = this.now() + overlapSeconds * 1000;
    for (const cert of this.served()) {
      cert.retiresAt = Math.min(cert.retiresAt ?? Infinity, retiresAt);
    }
    const entry = entryOf(pem, privateKey);
    this.#certificates.push(entry);
    return entry;
  }
}

/** 20 random bytes as hex, like WeChat's 40-digit serials; the first byte is 0x10–0x7f. */
function newSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex').toUpperCase();
}
