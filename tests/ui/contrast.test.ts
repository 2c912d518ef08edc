/** WCAG AA for the Control UI's colour pairs, light and dark, read from its stylesheet. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

const css = readFileSync(join(ROOT, 'src/ui/style.css'), 'utf8');

function variables(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1]!, m[2]!]));
}

const light = variables(css.slice(0, css.indexOf('@media (prefers-color-scheme: dark)')));
const darkBlock = /@media \(prefers-color-scheme: dark\) \{\s*:root \{([^}]*)\}/.exec(css)![1]!;
const dark = { ...light, ...variables(darkBlock) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Text colour on background, as the stylesheet pairs them. */
const PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['accent-text', 'accent'],
  ['accent-ink', 'accent-soft'],
  ['accent-ink', 'surface'],
  ['user-text', 'user-bg'],
  ['danger', 'danger-soft'],
  ['danger', 'surface'],
  ['text', 'accent-soft'],
];

describe('Control UI colours', () => {
  for (const [name, scheme] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`meet WCAG AA (4.5:1) for every text pair in the ${name} scheme`, () => {
      const failing = PAIRS.map(([fg, bg]) => ({ fg, bg, ratio: contrast(scheme[fg]!, scheme[bg]!) })).filter(
        (p) => !(p.ratio >= 4.5),
      );
      expect(failing).toEqual([]);
    });
  }
});
