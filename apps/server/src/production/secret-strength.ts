/**
 * How strong each secret must be in production. The texts are the rules as stated in the
 * settings' descriptions (docs/configuration.md), so what is documented is what is checked.
 */

/** A secret with fewer different characters than this is a pattern, not a random value. */
export const MIN_DISTINCT_CHARACTERS = 8;

interface SecretRule {
  /** The rule in one phrase, for the setting's description and the error. */
  readonly rule: string;
  /** Whether `value` (the trimmed setting) keeps the rule. */
  readonly holds: (value: string) => boolean;
}

const distinct = (value: string) => new Set(value).size >= MIN_DISTINCT_CHARACTERS;
const variety = `at least ${MIN_DISTINCT_CHARACTERS} different characters`;

export const SECRET_RULES = {
  SESSION_SECRET: {
    rule: `at least 32 characters with ${variety}`,
    holds: (v) => v.length >= 32 && distinct(v),
  },
  ADMIN_TOKEN: {
    rule: `at least 24 characters with ${variety}`,
    holds: (v) => v.length >= 24 && distinct(v),
  },
  WXPAY_KEY: {
    rule: `exactly 32 letters or digits (as WeChat requires) with ${variety}`,
    holds: (v) => /^[0-9A-Za-z]{32}$/.test(v) && distinct(v),
  },
  WXPAY_V3_KEY: {
    rule: `exactly 32 letters or digits (as WeChat requires) with ${variety}`,
    holds: (v) => /^[0-9A-Za-z]{32}$/.test(v) && distinct(v),
  },
  WX_APPSECRET: {
    rule: '32 hexadecimal characters, as WeChat issues AppSecrets',
    holds: (v) => /^[0-9a-fA-F]{32}$/.test(v),
  },
  WX_OA_APPSECRET: {
    rule: '32 hexadecimal characters, as WeChat issues AppSecrets',
    holds: (v) => /^[0-9a-fA-F]{32}$/.test(v),
  },
} as const satisfies Record<string, SecretRule>;

export type SecretSetting = keyof typeof SECRET_RULES;

/** The secret settings production checks, in the order problems are listed. */
export const SECRET_SETTINGS = Object.keys(SECRET_RULES) as SecretSetting[];
