import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { TokenCache } from '../token-cache.js';
import { isValidAt } from './key-sources.js';
import { normalizeSerial, parsePlatformCertificate } from './keys.js';
import type { PlatformCertificate } from './keys.js';
import type { MessageOrigin, V3KeySource } from './verifier.js';

/** What one call to `/v3/certificates` gave (decrypted and checked by the downloader). */
export type DownloadCertificates = () => Promise<PlatformCertificate[]>;

export interface PlatformCertificateStoreOptions {
  /** Names the cache entry, so merchants sharing a Redis keep their own certificates. */
  mchId: string;
  /** Shared by every instance that should download once: `RedisTokenCache` across processes. */
  cache: TokenCache;
  download: DownloadCertificates;
  now?: () => number;
  /** Download again after this long even without an unknown serial (ms). Default 12 h. */
  refreshAfterMs?: number;
  /** How long the cache keeps a set if WeChat cannot be reached to renew it (ms). Default 7 days. */
  keepForMs?: number;
  /**
   * After a download, an unknown serial does not trigger another for this long (ms), so a
   * stream of forged serials cannot make every request download. Default 10 s: shorter than
   * WeChat's first notification retry (15 s), so a notification signed with a brand-new
   * certificate is accepted on that retry at the latest.
   */
  minRefreshIntervalMs?: number;
  /**
   * A serial first seen on a reply to our own request (TLS: WeChat itself) downloads at once,
   * whatever `minRefreshIntervalMs` says — WeChat may switch certificates just after a download
   * — but one serial forces at most one download in this long (ms), and at most
   * {@link MAX_FORCED_SERIALS} serials do in that time. Default 60 s.
   */
  forcedRefreshIntervalMs?: number;
}

/** Serials that may force a download within one `forcedRefreshIntervalMs`. */
export const MAX_FORCED_SERIALS = 4;

/** The cached set: the certificates' PEM, when they were fetched, and an id per download. */
interface CertificateSet {
  id: string;
  fetchedAt: number;
  refreshAt: number;
  certificates: PlatformCertificate[];
}

const HOUR_MS = 3_600_000;

/**
 * Platform certificates (docs/protocol.md §6) as a {@link V3KeySource}: downloaded on
 * first use and stored in the {@link TokenCache}, so every instance on the same cache shares one
 * download; several serials are valid at once during rotation; an unknown serial triggers one
 * download (under the cache's lock: concurrent callers and other instances wait for it and reuse
 * its result), and is refused if it is still unknown after that.
 */
export class PlatformCertificateStore implements V3KeySource {
  readonly #options: Required<Omit<PlatformCertificateStoreOptions, 'cache' | 'download'>>;
  readonly #cache: TokenCache;
  readonly #download: DownloadCertificates;
  readonly #key: string;
  /** The last set read, parsed, keyed by the cached text, so a cache hit does not re-parse PEM. */
  #parsed: { raw: string; set: CertificateSet } | undefined;
  /** Downloads under way for an unknown serial: concurrent lookups of it share one. */
  readonly #inflight = new Map<string, Promise<CertificateSet>>();
  /** When each serial last forced a download. */
  readonly #forced = new Map<string, number>();

  constructor(options: PlatformCertificateStoreOptions) {
    this.#cache = options.cache;
    this.#download = options.download;
    this.#key = `wxpay:v3:platform-certificates:${options.mchId}`;
    this.#options = {
      mchId: options.mchId,
      now: options.now ?? Date.now,
      refreshAfterMs: options.refreshAfterMs ?? 12 * HOUR_MS,
      keepForMs: options.keepForMs ?? 7 * 24 * HOUR_MS,
      minRefreshIntervalMs: options.minRefreshIntervalMs ?? 10_000,
      forcedRefreshIntervalMs: options.forcedRefreshIntervalMs ?? 60_000,
    };
  }

  async resolve(
    serial: string,
    origin: MessageOrigin = 'notification',
  ): Promise<KeyObject | undefined> {
    // A public key id is never a certificate: no download for it.
    if (serial.startsWith('PUB_KEY_ID_')) return undefined;
    const wanted = normalizeSerial(serial);
    const askedAt = this.#now();
    let set = await this.#current();
    const known = this.#find(set, wanted);
    if (known !== undefined) return known.publicKey;
    const shared = this.#inflight.get(wanted);
    if (shared !== undefined) {
      set = await shared;
    } else if (
      // Counted first: a serial that just downloaded (either way) does not force another.
      (origin === 'reply' && this.#mayForce(wanted, askedAt)) ||
      askedAt - set.fetchedAt >= this.#options.minRefreshIntervalMs
    ) {
      // A forced download must be newer than the reply that asked for it: another instance's
      // set from before it is not enough.
      const download = this.#refresh(set.id, wanted, origin === 'reply' ? askedAt : undefined);
      this.#inflight.set(wanted, download);
      try {
        set = await download;
      } finally {
        this.#inflight.delete(wanted);
      }
    }
    return this.#find(set, wanted)?.publicKey;
  }

  /** The certificates now valid, downloading them if the cache has none. */
  async certificates(): Promise<PlatformCertificate[]> {
    const set = await this.#current();
    return set.certificates.filter((c) => isValidAt(c, this.#now()));
  }

  /** Downloads now (under the lock) and replaces the cached set. */
  async refresh(): Promise<PlatformCertificate[]> {
    const set = await this.#refresh((await this.#read())?.id, undefined);
    return set.certificates;
  }

  #now(): number {
    return this.#options.now();
  }

  /** Whether a reply's unknown serial may download now (once per serial, a few serials). */
  #mayForce(serial: string, now: number): boolean {
    for (const [seen, at] of this.#forced) {
      if (now - at >= this.#options.forcedRefreshIntervalMs) this.#forced.delete(seen);
    }
    if (this.#forced.has(serial) || this.#forced.size >= MAX_FORCED_SERIALS) return false;
    this.#forced.set(serial, now);
    return true;
  }

  #find(set: CertificateSet, serial: string): PlatformCertificate | undefined {
    return set.certificates.find((c) => c.serial === serial && isValidAt(c, this.#now()));
  }

  /** The cached set; downloads when there is none, renews it when due (keeping it on failure). */
  async #current(): Promise<CertificateSet> {
    const cached = await this.#read();
    if (cached === undefined) return this.#refresh(undefined, undefined);
    if (this.#now() < cached.refreshAt) return cached;
    try {
      return await this.#refresh(cached.id, undefined);
    } catch {
      // WeChat unreachable: the certificates we have stay valid until they expire.
      return cached;
    }
  }

  /**
   * Downloads under the cache's lock, unless, once holding it, the cache already has the
   * `wanted` serial or a newer set than `seenId` (another caller or instance just downloaded;
   * with `fetchedSince`, only one fetched at or after it counts).
   */
  async #refresh(
    seenId: string | undefined,
    wanted: string | undefined,
    fetchedSince = Number.NEGATIVE_INFINITY,
  ): Promise<CertificateSet> {
    return this.#cache.withLock(`${this.#key}:refresh`, async () => {
      const latest = await this.#read();
      if (latest !== undefined && wanted !== undefined && this.#find(latest, wanted)) return latest;
      if (latest !== undefined && latest.id !== seenId && latest.fetchedAt >= fetchedSince) {
        return latest;
      }
      const downloaded = await this.#download();
      const now = this.#now();
      const set: CertificateSet = {
        id: randomUUID(),
        fetchedAt: now,
        refreshAt: now + this.#options.refreshAfterMs,
        certificates: downloaded.filter((c) => c.validTo >= now),
      };
      const raw = JSON.stringify({
        id: set.id,
        fetchedAt: set.fetchedAt,
        certificates: set.certificates.map((c) => c.pem),
      });
      await this.#cache.set(
        this.#key,
        { value: raw, expiresAt: now + this.#options.keepForMs, refreshAt: set.refreshAt },
        this.#options.keepForMs,
      );
      this.#parsed = { raw, set };
      return set;
    });
  }

  async #read(): Promise<CertificateSet | undefined> {
    const token = await this.#cache.get(this.#key);
    if (token === undefined) return undefined;
    if (this.#parsed?.raw === token.value) return this.#parsed.set;
    try {
      const stored = JSON.parse(token.value) as {
        id: string;
        fetchedAt: number;
        certificates: string[];
      };
      const set: CertificateSet = {
        id: stored.id,
        fetchedAt: stored.fetchedAt,
        refreshAt: token.refreshAt,
        certificates: stored.certificates.map((pem) => parsePlatformCertificate(pem)),
      };
      this.#parsed = { raw: token.value, set };
      return set;
    } catch {
      // Not a set we wrote (another program, an old format): treated as absent.
      return undefined;
    }
  }
}
