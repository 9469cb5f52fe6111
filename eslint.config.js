import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/out/**', 'charts/**', '**/*.d.ts', 'src/http/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { weir: { rules: { layers } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/app/config reads process.env (STYLE.md: Config).' },
      ],
      'weir/layers': 'error',
    },
  },
  {
    // The engine is pure: no clocks, no randomness (STYLE.md).
    files: ['src/feedback/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'the engine takes time as an argument' },
        { object: 'Math', property: 'random', message: 'the engine is deterministic' },
        { object: 'process', property: 'env', message: 'the engine reads no environment' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch', 'console'],
    },
  },
  {
    // Configuration is read in one place; tests, benches and tools may read the environment.
    files: ['src/app/config*.ts', 'src/app/config/**/*.ts', 'src/cli.ts', 'test/**/*.ts', 'bench/**/*.ts', 'tools/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
