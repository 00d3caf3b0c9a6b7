// Flat config: typescript-eslint's recommended rules over every TypeScript source; the build
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
    // CommonJS preload modules (test fault injection) load with require by design.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The extension host must stay light: TensorFlow.js belongs to the engine process only.
    files: ['src/host/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@tensorflow/*', '**/src/engine/**', '../../engine/*', '../../../engine/*'], message: 'Only the engine process may load TensorFlow.js or engine modules.' }],
      }],
    },
  },
);
