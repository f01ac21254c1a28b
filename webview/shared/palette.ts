import type { ThemeKind } from '../../src/charts/protocol';

/**
 * Run colours. A slot (see assignColorSlots on the host) maps to a hue by the golden angle, so
 * consecutive slots land far apart on the colour wheel and the first few — what small comparisons
 * use — are the most distinct; lightness steps through three levels so that runs 100 apart still
 * differ. Lightness and saturation depend on the theme so every colour keeps at least 3:1 contrast
 * (WCAG's figure for graphics) against that theme's editor background. Pure: unit-tested in Node.
 */

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

const GOLDEN_ANGLE = 137.508;

interface Tone {
  saturation: number;
  lightness: readonly number[];
}

const TONES: Record<ThemeKind, Tone> = {
  dark: { saturation: 70, lightness: [62, 74, 52] },
  light: { saturation: 80, lightness: [36, 26, 44] },
  'high-contrast': { saturation: 100, lightness: [65, 78, 55] },
  'high-contrast-light': { saturation: 100, lightness: [28, 20, 34] },
};

export function runColor(slot: number, kind: ThemeKind): Rgb {
  const tone = TONES[kind];
  const hue = (slot * GOLDEN_ANGLE) % 360;
  const lightness = tone.lightness[slot % tone.lightness.length];
  return ensureContrast(hslToRgb(hue, tone.saturation, lightness), kind);
}

/** Yellows and greens are bright at any lightness; move them towards the readable side when needed. */
function ensureContrast(color: Rgb, kind: ThemeKind): Rgb {
  const background = DEFAULT_BACKGROUNDS[kind];
  const darken = luminance(background) > 0.5;
  let c = color;
  for (let i = 0; i < 20 && contrastRatio(c, background) < 3; i++) {
    const f = darken ? 0.9 : 1.1;
    c = { r: clamp(c.r * f + (darken ? 0 : 8)), g: clamp(c.g * f + (darken ? 0 : 8)), b: clamp(c.b * f + (darken ? 0 : 8)) };
  }
  return c;
}

/** The editor backgrounds of VS Code's default themes of each kind. */
export const DEFAULT_BACKGROUNDS: Record<ThemeKind, Rgb> = {
  dark: { r: 0x1f, g: 0x1f, b: 0x1f },
  light: { r: 0xff, g: 0xff, b: 0xff },
  'high-contrast': { r: 0, g: 0, b: 0 },
  'high-contrast-light': { r: 0xff, g: 0xff, b: 0xff },
};

export function css(color: Rgb, alpha = 1): string {
  const { r, g, b } = color;
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${Number(alpha.toFixed(3))})`;
}

/** #rgb, #rrggbb, #rrggbbaa, rgb() and rgba(): the forms VS Code's theme variables use. */
export function parseColor(text: string): Rgb | undefined {
  const t = text.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex.slice(0, 6);
    return { r: parseInt(full.slice(0, 2), 16), g: parseInt(full.slice(2, 4), 16), b: parseInt(full.slice(4, 6), 16) };
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(t);
  return rgb ? { r: Number(rgb[1]), g: Number(rgb[2]), b: Number(rgb[3]) } : undefined;
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function luminance({ r, g, b }: Rgb): number {
  const channel = (v: number): number => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const sat = s / 100;
  const light = l / 100;
  const k = (n: number): number => (n + h / 30) % 12;
  const a = sat * Math.min(light, 1 - light);
  const f = (n: number): number => light - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return { r: Math.round(f(0) * 255), g: Math.round(f(8) * 255), b: Math.round(f(4) * 255) };
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}
