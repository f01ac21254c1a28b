import * as assert from 'node:assert';
import type { ThemeKind } from '../../src/charts/protocol';
import { assignColorSlots } from '../../src/charts/series';
import { contrastRatio, css, DEFAULT_BACKGROUNDS, parseColor, runColor } from '../../webview/shared/palette';

const KINDS: ThemeKind[] = ['dark', 'light', 'high-contrast', 'high-contrast-light'];

describe('run colours', () => {
  it('gives the same run set the same slots whatever order the runs come in', () => {
    const a = assignColorSlots(['r3', 'r1', 'r2']);
    const b = assignColorSlots(['r2', 'r3', 'r1', 'r2']);
    assert.deepStrictEqual([...a].sort(), [...b].sort());
    assert.deepStrictEqual([...a.values()].sort(), [0, 1, 2], 'small sets use the first, most distinct slots');
  });

  it('keeps 3:1 contrast with the editor background for 100 runs in every theme kind', () => {
    for (const kind of KINDS) {
      for (let slot = 0; slot < 100; slot++) {
        const ratio = contrastRatio(runColor(slot, kind), DEFAULT_BACKGROUNDS[kind]);
        assert.ok(ratio >= 3, `${kind} slot ${slot}: ${ratio.toFixed(2)}`);
      }
    }
  });

  it('gives 100 runs 100 different colours, and neighbouring slots clearly different ones', () => {
    for (const kind of KINDS) {
      const colors = Array.from({ length: 100 }, (_, slot) => runColor(slot, kind));
      assert.strictEqual(new Set(colors.map((c) => css(c))).size, 100, kind);
      for (let i = 1; i < 10; i++) {
        const [p, q] = [colors[i - 1], colors[i]];
        const distance = Math.hypot(p.r - q.r, p.g - q.g, p.b - q.b);
        assert.ok(distance > 80, `${kind} slots ${i - 1}/${i} too close (${distance.toFixed(0)})`);
      }
    }
  });

  it('reads the colour forms VS Code theme variables use', () => {
    assert.deepStrictEqual(parseColor('#fff'), { r: 255, g: 255, b: 255 });
    assert.deepStrictEqual(parseColor(' #1f1f1fcc '), { r: 31, g: 31, b: 31 });
    assert.deepStrictEqual(parseColor('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3 });
    assert.strictEqual(parseColor('var(--x)'), undefined);
    assert.strictEqual(css({ r: 1, g: 2, b: 3 }, 0.25), 'rgba(1, 2, 3, 0.25)');
  });
});
