import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (build, test runner, CLI entry).
    files: ['**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The viewer's pages run in the browser.
    files: ['src/viewer/static/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', location: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
  {
    // The page of `hpaic export web` (onnxruntime-web's script defines `ort`).
    files: ['src/predict/web/**/*.js'],
    languageOptions: { globals: { document: 'readonly', location: 'readonly', fetch: 'readonly', ort: 'readonly', createImageBitmap: 'readonly', OffscreenCanvas: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only src/native may load the addon (style-anchors §9.2).
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/native/addon*', '*.node'], message: 'load the addon only through src/native' }] }],
    },
  },
);
