// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundary from './scripts/eslint-package-boundary.js';

export default tseslint.config(
  { ignores: ['dist/', 'action/dist/', 'node_modules/', 'coverage/', '.tmp/', 'src/init/templates/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // greenlight ↔ the local cloud: only through '@greenlight/localcloud' (scripts/eslint-package-boundary.js).
    plugins: { greenlight: boundary },
    rules: { 'greenlight/package-boundary': 'error' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'packages/*/test/**', 'packages/*/scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: { process: 'readonly', URL: 'readonly', console: 'readonly' },
    },
  },
);
