// Lint rules that keep the layers honest: the pure core never imports vscode at runtime.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Every folder of the pure core, including ones planned but not written yet (a glob for a missing folder matches nothing).
const pureFolders = ['util', 'settings', 'backend', 'routing', 'context', 'completion', 'prompts', 'chat', 'review', 'onboarding', 'index', 'engine', 'evaluation'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'media/**', '*.mjs', 'scripts/**/*.mjs', 'test/e2e/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its error, and a promise where a void callback is expected
    // (an event handler, a command callback) turns a rejection into an unhandled one.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/webview/app/**'],
    rules: {
      // Casts hide bugs the compiler would otherwise catch; tests may use them.
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
    },
  },
  {
    files: pureFolders.map((f) => `src/${f}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Pure core must not import vscode (see style.md habit 3).', allowTypeImports: true }],
          patterns: [{ group: ['**/providers/**', '**/extension'], message: 'Pure core must not depend on adapters.' }],
        },
      ],
    },
  },
  {
    files: ['src/webview/app/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'The webview runs in a browser.' }], patterns: [{ group: ['**/providers/**', '**/backend/**', 'node:*'], message: 'The webview only imports the shared protocol.' }] },
      ],
    },
  },
);
