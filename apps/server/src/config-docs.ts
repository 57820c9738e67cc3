import { envSchema } from './config-schema.js';

/** One setting as the docs show it: its default is what the schema gives when it is unset. */
export interface SettingDoc {
  name: string;
  /** `required`, `—` (unset), or the default value in backticks. */
  default: string;
  description: string;
}

/** The value a setting takes when it is unset, or `required` when unset is refused. */
export function defaultOf(
  name: keyof typeof envSchema.shape,
): { required: true } | { value: unknown } {
  const parsed = envSchema.shape[name].safeParse(undefined);
  return parsed.success ? { value: parsed.data } : { required: true };
}

/** Every setting of {@link envSchema}, in the schema's order. */
export function settingDocs(): SettingDoc[] {
  return (Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[]).map((name) => {
    const fallback = defaultOf(name);
    return {
      name,
      default:
        'required' in fallback
          ? 'required'
          : fallback.value === undefined
            ? '—'
            : `\`${JSON.stringify(fallback.value).replace(/^"(.*)"$/, '$1') || '""'}\``,
      description: envSchema.shape[name].description ?? '',
    };
  });
}

/**
 * The settings table of `docs/configuration.md`, padded the way prettier pads a Markdown table
 * so that `prettier --check` and the docs test agree.
 */
export function settingsTable(): string {
  const rows = [
    ['variable', 'default', 'meaning'],
    ...settingDocs().map((s) => [`\`${s.name}\``, s.default, s.description]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join(
    '\n',
  );
}
