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
  /**
   * The sandbox time (ms) from which it signs. Later than now while it is only published: served
   * by `/v3/certificates` ahead of the switch, as WeChat does before an old certificate expires.
   */
  signsFrom: number;
  /** How long (ms) the certificates it replaces stay served once it signs. */
  overlapMs: number;
  /** After a rotation: the sandbox time (ms) from which it is no longer served. */
  retiresAt?: number;
}

/**
 * How a rotation happens. `publish-then-switch` is WeChat's: the new certificate is served at
 * once but signs only from the switch, so clients that refresh their list in between (the
 * official SDKs do, daily) know it before they meet it. `immediate` is a fault to inject: the
 * new certificate signs everything at once, `/v3/certificates` included.
 */
export type RotationMode = 'publish-then-switch' | 'immediate';

export interface RotationOptions {
  mode: RotationMode;
  /** publish-then-switch: seconds (sandbox time) from publication to the switch. */
  switchAfterSeconds: number;
  /** Seconds the replaced certificates stay served after the switch. */
  overlapSeconds: number;
}

/** A rotation was asked for while the previous one has not switched yet. */
export class RotationPendingError extends Error {
  constructor(readonly pendingSerial: string) {
    super(`platform certificate ${pendingSerial} is published and not switched to yet`);
  }
}

/** What signs a message: the key and the name (`Wechatpay-Serial`) it goes by. */
export interface Signer {
  serial: string;
  privateKey: KeyObject;
}

const read = (name: string) => readFileSync(new URL(name, DEMO_CERTS_DIR), 'utf8');
const YEAR_MS = 365 * 24 * 3600_000;

function entryOf(
  pem: string,
  privateKey: KeyObject,
  signsFrom: number,
  overlapMs: number,
): PlatformCertificateEntry {
  const cert = new X509Certificate(pem);
  return {
    serial: cert.serialNumber.toUpperCase(),
    pem,
    privateKey,
    validFrom: Date.parse(cert.validFrom),
    validTo: Date.parse(cert.validTo),
    signsFrom,
    overlapMs,
  };
}

/**
 * The sandbox's WeChat Pay signing keys: platform certificates (the committed test-only one to
 * begin with, fresh self-signed ones on rotation) and the platform public key, plus the mode
 * saying which of them signs. A rotation publishes a new certificate, which signs from its switch
 * (at once for an `immediate` one); the older ones stay served by `/v3/certificates` until the
 * overlap after the switch ends, so a client that cached one keeps verifying what it signed.
 * The switch is read off the sandbox clock at each signature: moving the clock past it switches.
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
        -Infinity,
        0,
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

  /**
   * The platform certificate that signs now: the newest one past its switch. It also signs
   * `/v3/certificates` in either mode, as WeChat does: the old one until the switch, so a client
   * checks the list with a certificate it already has.
   */
  certificateSigner(): Signer {
    const now = this.now();
    const signing = this.#certificates.filter((c) => c.signsFrom <= now).at(-1)!;
    return { serial: signing.serial, privateKey: signing.privateKey };
  }

  /** The certificate published and not signing yet, if a rotation waits for its switch. */
  pending(): PlatformCertificateEntry | undefined {
    const newest = this.#certificates[this.#certificates.length - 1]!;
    return newest.signsFrom > this.now() ? newest : undefined;
  }

  /** The certificates `/v3/certificates` serves now, oldest first. */
  served(): PlatformCertificateEntry[] {
    const now = this.now();
    return this.#certificates.filter((c) => c.retiresAt === undefined || now < c.retiresAt);
  }

  /**
   * Makes a new key pair and certificate and publishes it: it signs from `switchAfterSeconds`
   * from now (at once when `immediate`), and every certificate served so far retires
   * `overlapSeconds` after that switch, unless it retires sooner already. Refused while an
   * earlier rotation has not switched.
   */
  async rotate(options: RotationOptions): Promise<PlatformCertificateEntry> {
    const waiting = this.pending();
    if (waiting) throw new RotationPendingError(waiting.serial);
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
    const now = this.now();
    const switchAfterMs = options.mode === 'immediate' ? 0 : options.switchAfterSeconds * 1000;
    const entry = entryOf(pem, privateKey, now + switchAfterMs, options.overlapSeconds * 1000);
    this.#retireBefore(entry);
    this.#certificates.push(entry);
    return entry;
  }

  /** Switches signing to the published certificate now; undefined when none is waiting. */
  switchNow(): PlatformCertificateEntry | undefined {
    const waiting = this.pending();
    if (!waiting) return undefined;
    waiting.signsFrom = this.now();
    this.#retireBefore(waiting);
    return waiting;
  }

  /** Every other served certificate retires `entry`'s overlap after `entry` starts signing. */
  #retireBefore(entry: PlatformCertificateEntry): void {
    const retiresAt = entry.signsFrom + entry.overlapMs;
    for (const cert of this.served()) {
      if (cert !== entry) cert.retiresAt = Math.min(cert.retiresAt ?? Infinity, retiresAt);
    }
  }
}

/** 20 random bytes as hex, like WeChat's 40-digit serials; the first byte is 0x10–0x7f. */
function newSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex').toUpperCase();
}
