import assert from 'node:assert/strict';
import { notePath, noteUpdate, runIdOfNotePath } from '../../src/explorer/core/runNote';

/** Saving a run note (src/explorer/core/runNote.ts): what reaches the `mlflow.note.content` tag. */
describe('run notes', () => {
  it('sets the tag to the Markdown as written, paragraphs and all', () => {
    const note = '# Result\n\n**best** baseline so far.\n\nSecond paragraph, with a list:\n- a\n- b\n';
    assert.deepEqual(noteUpdate(undefined, note), { kind: 'set', value: note });
    assert.deepEqual(noteUpdate('old', note), { kind: 'set', value: note });
  });

  it('deletes the tag when the note is cleared, instead of leaving it empty', () => {
    assert.deepEqual(noteUpdate('some note', ''), { kind: 'delete' });
    assert.deepEqual(noteUpdate('some note', ' \n\t\n'), { kind: 'delete' });
    assert.deepEqual(noteUpdate('', ''), { kind: 'delete' }, 'an empty tag left by others goes too');
  });

  it('writes nothing when nothing changed or there is nothing to delete', () => {
    assert.deepEqual(noteUpdate('same', 'same'), { kind: 'none' });
    assert.deepEqual(noteUpdate(undefined, '\n'), { kind: 'none' });
  });

  it('addresses a note by run id, whatever the run is called', () => {
    for (const [runId, runName] of [
      ['a624eb75d72e4f39884a8593b06bd3ab', 'baseline-0'],
      ['r1', '../../etc/passwd'],
      ['r2', '\u202Egnp.exe <b>x</b> a/b\\c'],
      ['r3', ''],
    ] as const) {
      const path = notePath(runId, runName);
      assert.match(path, /^\/[^/]+\/[^/\\\u202E<>]+ note\.md$/, path);
      assert.equal(runIdOfNotePath(path), runId);
    }
    assert.equal(runIdOfNotePath('/r1/x.md'), undefined);
    assert.equal(runIdOfNotePath('/r1/a/b note.md'), undefined);
    assert.equal(runIdOfNotePath('/%E0%A4%A/x note.md'), undefined, 'a malformed escape is not a run id');
  });
});
