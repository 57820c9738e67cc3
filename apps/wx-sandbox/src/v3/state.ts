import type { SandboxCore } from '../core.js';
import { loadMerchantPublicKey, normalizeSerialNo } from './merchant-credentials.js';
import type { MerchantV3Credentials } from './merchant-credentials.js';
import { PlatformKeys } from './platform-keys.js';

/** A bill file behind a `download_url` token. */
export interface BillFile {
  mchId: string;
  body: Buffer;
  contentType: string;
  expiresAt: number;
}

/** What the APIv3 side keeps for one sandbox, beside the shared order store. */
export interface V3State {
  keys: PlatformKeys;
  /** Credentials per mch_id; `undefined` for a merchant without APIv3. */
  credentials: Map<string, MerchantV3Credentials | undefined>;
  bills: Map<string, BillFile>;
}

// Kept beside the core rather than in it, so the APIv2 side stays as it was; made on first use.
const states = new WeakMap<SandboxCore, V3State>();

/** The APIv3 state of this sandbox. */
export function v3State(core: SandboxCore): V3State {
  let state = states.get(core);
  if (state === undefined) {
    const credentials = new Map<string, MerchantV3Credentials | undefined>();
    for (const m of core.merchants.values()) {
      credentials.set(
        m.mchId,
        m.apiV3Key && m.merchantSerialNo && m.merchantPublicKey
          ? {
              apiV3Key: m.apiV3Key,
              serialNo: normalizeSerialNo(m.merchantSerialNo),
              publicKey: loadMerchantPublicKey(m.merchantPublicKey),
            }
          : undefined,
      );
    }
    state = { keys: new PlatformKeys(() => core.clock.nowMs()), credentials, bills: new Map() };
    states.set(core, state);
  }
  return state;
}
