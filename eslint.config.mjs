import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'generated/**',
      'coverage/**',
      'examples/**',
      '.bench/**',
      '.scratch/**',
      '.dist-next/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // tsconfig has noUncheckedIndexedAccess: a `!` after an index the code has just bounded is the honest
    // way to say so, and cheaper in the hot path than a re-check.
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Tests edit rule files as untyped JSON to corrupt them on purpose.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-dynamic-delete': 'off' },
  },
);
