// ESLint flat config: strict TypeScript, no floating promises, and the Temporal workflow sandbox rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.edp/**', 'dist/**', 'coverage/**', 'bin/**', '*.config.js', '*.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O modules.
    files: ['workflows/**/*.ts', 'lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Node built-ins are not allowed in the workflow sandbox.',
            })),
            { name: '@temporalio/activity', message: 'Workflows must not import activity code.' },
            { name: '@temporalio/worker', message: 'Workflows must not import worker code.' },
            { name: '@temporalio/client', message: 'Workflows must not import client code.' },
            { name: '@duckdb/node-api', message: 'Workflows must not do I/O.' },
          ],
          patterns: [
            {
              group: ['**/activities/*', '**/workers/*', '**/infra/*'],
              message: 'Workflows import activity types only via `import type`.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // jest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
);
