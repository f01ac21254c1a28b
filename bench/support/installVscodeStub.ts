import { createVscodeStub, installVscodeStub } from './vscodeStub';

/**
 * Imported for its effect, before any module that imports `vscode`: from here on `require('vscode')`
 * returns this stub. Kept in its own module because imports run in order, so a bench lists this first.
 */
export const stub = createVscodeStub();
installVscodeStub(stub);
