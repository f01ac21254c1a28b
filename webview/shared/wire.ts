import type { WireValue } from '../../src/charts/protocol';

/** A metric value back from its wire form: the host spells NaN and ±∞ out because JSON can't carry them. */
export function decodeValue(value: WireValue): number {
  switch (value) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return value;
  }
}
