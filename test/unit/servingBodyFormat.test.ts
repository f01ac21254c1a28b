import * as assert from 'node:assert';
import { payloadFormat } from '../../src/serving/payload';
import { detectBodyFormat } from '../../webview/serve/bodyFormat';

/** The Serve request panel's Format box follows a body typed by hand (webview/serve/bodyFormat.ts). */
describe('serve request: the format of a body edited by hand', () => {
  const bodies: [string, string, ReturnType<typeof detectBodyFormat>][] = [
    ['dataframe_split', '{"dataframe_split": {"columns": ["a"], "data": [[1.0]]}}', 'dataframe_split'],
    ['dataframe_records', '{"dataframe_records": [{"a": 1.0}]}', 'dataframe_records'],
    ['instances', '{"instances": [[1, 2], [3, 4]]}', 'instances'],
    ['inputs with params beside it', '{"inputs": {"a": [1, 2]}, "params": {"k": 1}}', 'inputs'],
    ['pretty-printed, as the panel writes it', '{\n  "instances": [\n    {"a": 5.0}\n  ]\n}', 'instances'],
    ['two format keys (MLflow refuses it)', '{"inputs": [1], "instances": [1]}', undefined],
    ['no format key', '{"data": [[1]]}', undefined],
    ['a key only nested', '{"x": {"inputs": [1]}}', undefined],
    ['JSON that is not an object', '[{"inputs": [1]}]', undefined],
    ['half-typed JSON', '{"instances": [[1, 2], [3', undefined],
    ['empty', '', undefined],
  ];

  for (const [what, text, expected] of bodies) {
    it(`${what}: ${expected ?? 'none (the box keeps its format)'}`, () => {
      assert.strictEqual(detectBodyFormat(text), expected);
      // The same rule the host applies when it converts or sends the body.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      assert.strictEqual(detectBodyFormat(text), payloadFormat(parsed), 'as the host reads it');
    });
  }
});
