import assert from 'node:assert/strict';
import { baseName, findDefinition, noFunctionReason, notFoundReason, sourceQuery } from '../../src/traces/core/spanSource';
import { capturedTrace as trace } from '../support/captureText';

/** Open Source's pure part: what a real trace records about its code, and finding a definition in text. */

describe('Open Source on a span', () => {
  it('takes the function from mlflow.spanFunctionName and the file from the trace’s mlflow.source.name', () => {
    const rag = trace('traces_get_rag_with_assessments');
    const retrieve = rag.spans.find((s) => s.name === 'retrieve')!;
    assert.deepEqual(sourceQuery(retrieve, rag.info.metadata), { spanName: 'retrieve', functionName: 'retrieve', sourceFile: 'genai_populate.py' });
    const llm = rag.spans.find((s) => s.name === 'ChatOpenAI')!;
    const query = sourceQuery(llm, rag.info.metadata);
    assert.equal(query.functionName, undefined, 'an autologged LLM span has no function of the user’s');
    assert.match(noFunctionReason(query), /ChatOpenAI.*records no function name.*@mlflow\.trace/);
  });

  it('refuses a hostile function name and a non-file source', () => {
    const hostile = trace('traces_get_hostile_unicode');
    for (const span of hostile.spans) {
      const q = sourceQuery(span, { ...hostile.info.metadata, 'mlflow.source.name': '<img src=x onerror=alert(1)>' });
      assert.ok(q.functionName === undefined || /^[A-Za-z_]\w*$/.test(q.functionName), `${q.functionName}`);
      assert.equal(q.sourceFile, undefined);
    }
    const span = { ...hostile.spans[0]!, attributes: { 'mlflow.spanFunctionName': 'a.*(' } };
    assert.equal(sourceQuery(span, {}).functionName, undefined);
    assert.equal(sourceQuery({ ...span, attributes: { 'mlflow.spanFunctionName': 'run' } }, { 'mlflow.source.name': 'job-42', 'mlflow.source.type': 'JOB' }).sourceFile, undefined);
    assert.equal(findDefinition('def a(x):\n', 'a.*('), undefined);
  });

  it('finds Python and JavaScript/TypeScript definitions, not calls', () => {
    const py = ['import mlflow', '', 'x = retrieve("q")', '@mlflow.trace(span_type="RETRIEVER")', 'def retrieve(query, top_k=2):', '    return []', 'class Agent:', '    async def run(self):', '        retrieve("q")'].join('\n');
    assert.deepEqual(findDefinition(py, 'retrieve'), { line: 4, character: 4 });
    assert.deepEqual(findDefinition(py, 'run'), { line: 7, character: 14 });
    assert.deepEqual(findDefinition(py, 'Agent'), { line: 6, character: 6 });
    assert.equal(findDefinition(py, 'retriev'), undefined, 'whole names only');
    const ts = ['const x = answer(1);', 'export async function answer(q: string) {', '}', 'export const embed = async (t: string) => [];', 'class C {', '  private async parse(text: string): Promise<void> {', '  }', '}'].join('\r\n');
    assert.deepEqual(findDefinition(ts, 'answer'), { line: 1, character: 22 });
    assert.deepEqual(findDefinition(ts, 'embed'), { line: 3, character: 13 });
    assert.deepEqual(findDefinition(ts, 'parse'), { line: 5, character: 16 });
  });

  it('reads the base name of a path recorded on Windows or POSIX and says where it looked', () => {
    assert.equal(baseName('C:\\work\\app\\agent.py'), 'agent.py');
    assert.equal(baseName('/srv/mlflow3-ref/genai_populate.py'), 'genai_populate.py');
    assert.match(notFoundReason({ spanName: 's', functionName: 'f', sourceFile: '/x/app.py' }), /Function f of span “s” was not found in app\.py/);
  });
});
