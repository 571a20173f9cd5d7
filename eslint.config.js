// ESLint (flat config) with typescript-eslint. Type-aware rules stay off to keep `npm run lint` fast;
// `npm run typecheck` is the type gate.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'public/vendor/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly', performance: 'readonly', document: 'readonly', window: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // the workflow is pure: no I/O, no clock, no framework (STYLE.md "The shape")
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['express', 'mongoose', 'better-sqlite3', 'socket.io', 'node:fs', 'node:net', 'node:http', '../server/*', '../../server/*'] },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'the workflow gets time from the event (event.at)' }],
    },
  },
  {
    // run by mongosh inside the MongoDB container
    files: ['deploy/**/*.js'],
    languageOptions: { globals: { rs: 'readonly', db: 'readonly', print: 'readonly', quit: 'readonly', sleep: 'readonly' } },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { io: 'readonly', document: 'readonly', window: 'readonly', fetch: 'readonly', localStorage: 'readonly', navigator: 'readonly', location: 'readonly', Chart: 'readonly', FormData: 'readonly', alert: 'readonly', confirm: 'readonly', history: 'readonly', requestAnimationFrame: 'readonly' } },
  },
);
