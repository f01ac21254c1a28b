import * as assert from 'node:assert';
import { metricsCsv, textField } from '../../src/charts/csv';

describe('charts CSV export', () => {
  it('writes one row per point with NaN and ±∞ spelled out, never ±1.8e308', () => {
    const csv = metricsCsv([
      {
        runId: 'r1',
        runName: 'base, v2',
        metricKey: 'loss',
        history: [
          { key: 'loss', step: 0, timestamp: 100, value: 0.5 },
          { key: 'loss', step: 1, timestamp: 200, value: Number.NaN },
          { key: 'loss', step: 2, timestamp: 300, value: Number.POSITIVE_INFINITY },
          { key: 'loss', step: 3, timestamp: 400, value: Number.NEGATIVE_INFINITY },
        ],
      },
    ]);
    assert.strictEqual(
      csv,
      'run_id,run_name,metric,step,timestamp,value\r\n' +
        'r1,"base, v2",loss,0,100,0.5\r\nr1,"base, v2",loss,1,200,NaN\r\nr1,"base, v2",loss,2,300,Infinity\r\nr1,"base, v2",loss,3,400,-Infinity\r\n',
    );
  });

  it('quotes what needs quoting and defuses spreadsheet formulas in names', () => {
    assert.strictEqual(textField('plain'), 'plain');
    assert.strictEqual(textField('say "hi"'), '"say ""hi"""');
    assert.strictEqual(textField('two\nlines'), '"two\nlines"');
    assert.strictEqual(textField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.strictEqual(textField('-1+2'), "'-1+2");
    assert.strictEqual(textField('@cmd'), "'@cmd");
  });
});
