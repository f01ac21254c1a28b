import * as assert from 'node:assert/strict';
import { splitUserinfo } from '../../src/connection/core/serverUri';
import { redact } from '../../src/mlflow/redact';

describe('secrets: user:password typed into a server URI', () => {
  it('splits the userinfo off, decoded, and keeps the rest of the URI as typed', () => {
    assert.deepEqual(splitUserinfo(' https://alice:p%40ss%3Aw%2Frd@mlflow.example.com:8443/prefix?x=1 '), {
      uri: 'https://mlflow.example.com:8443/prefix?x=1',
      credentials: { kind: 'basic', username: 'alice', password: 'p@ss:w/rd' },
    });
  });

  it('a user without a password is still taken out (as MLflow reads it: basic auth, empty password)', () => {
    assert.deepEqual(splitUserinfo('http://token-only@127.0.0.1:5000'), { uri: 'http://127.0.0.1:5000', credentials: { kind: 'basic', username: 'token-only', password: '' } });
  });

  it('leaves URIs without userinfo, non-http URIs and an @ in the path alone', () => {
    for (const uri of ['http://127.0.0.1:5000', 'databricks://profile', 'sqlite:////w/mlflow.db', 'file:///w/mlruns', 'http://host/a@b']) {
      assert.deepEqual(splitUserinfo(uri), { uri });
    }
  });

  it('keeps a malformed percent-escape as typed rather than throwing', () => {
    assert.deepEqual(splitUserinfo('http://bob:100%@host')?.credentials, { kind: 'basic', username: 'bob', password: '100%' });
  });
});

describe('Log.redact (src/mlflow/redact.ts)', () => {
  it('masks userinfo in any URL, user:password or a lone token', () => {
    assert.equal(redact('GET https://alice:s3cret@host/api and http://tok123@10.0.0.1:5000/x'), 'GET https://***@host/api and http://***@10.0.0.1:5000/x');
  });

  it('masks Authorization header values, basic and bearer, any case', () => {
    assert.equal(redact('authorization: Bearer abc.def.ghi\nAuthorization:basic YWxpY2U6cw=='), 'authorization: Bearer ***\nAuthorization:basic ***');
  });

  it('masks every registered secret wherever it appears, the longer one whole', () => {
    assert.equal(redact('token=abcd1234 again abcd1234 and abcd1234xyz', ['abcd1234', 'abcd1234xyz']), 'token=*** again *** and ***');
  });

  it('leaves text without secrets unchanged', () => {
    const line = 'Connected to Workspace store: sqlite:////w/mlflow.db (user@example.com wrote it)';
    assert.equal(redact(line, ['nothere']), line);
  });
});
