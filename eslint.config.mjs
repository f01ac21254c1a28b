import tseslint from 'typescript-eslint';

/** The pure core and the webview apps must never reach for the VS Code API (see STYLE.md). */
const shellFree = ['child_process', 'node:child_process'].map((name) => ({
  name, importNames: ['exec', 'execSync'], message: 'Launch processes with an argv array (spawn/execFile), never a shell line.',
}));
const restrictedImports = (extra) => ['error', { paths: [...shellFree, ...extra] }];
const noVscode = {
  'no-restricted-imports': restrictedImports([
    { name: 'vscode', message: 'The pure core and webviews must not import vscode; put VS Code wiring in a feature folder.' },
  ]),
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-vsix/**', 'out/**', 'node_modules/**', 'test/harness/node_modules/**', '.test-state/**', 'demo/**', 'test/fixtures/**', '.tmp/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrictedImports([]),
    },
  },
  { files: ['src/mlflow/**', 'src/mlproject/**', 'src/serving/**', 'src/*/core/**', 'webview/**'], rules: noVscode },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
  },
);
