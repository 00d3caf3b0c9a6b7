// Flat config: typescript-eslint's recommended rules over every TypeScript source, plus the
// type-aware promise rules (each file is checked with the tsconfig of its layer); the build
// scripts are plain modules.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['bin/**', 'dist/**', '.gpu-bundle/**', 'node_modules/**', '.tools/**', 'test-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // A promise nobody awaits loses its error; one passed where a callback returns void is never awaited.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // WebGPU in Node has no synchronous read (tfjs's readSync needs OffscreenCanvas): engine code
    // that may run on it reads tensors with `await t.data()`. The wasm-only data-parallel worker
    // and the native tensorflow probe are exempt.
    files: ['src/engine/**/*.ts', 'scripts/gpu/**/*.ts'],
    ignores: ['src/engine/model/trainWorker.ts', 'src/engine/backends/tensorflow.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(dataSync|arraySync|bufferSync)$/]',
          message: 'Read tensors with await t.data() (or t.array()): GPU backends in Node cannot read synchronously.',
        },
      ],
    },
  },
  {
    // CommonJS preload modules (test fault injection) load with require by design.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The extension host must stay light: TensorFlow.js belongs to the engine process only.
    files: ['src/host/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*', '**/engine', '**/engine/**'],
              message: 'Only the engine process may load TensorFlow.js or engine modules.',
            },
          ],
        },
      ],
    },
  },
);
