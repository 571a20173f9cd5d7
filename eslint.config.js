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
  // the workflow is pure: no I/O, no clock, no chance, no framework (STYLE.md "The shape"). Imports are an
  // ALLOW-list — xstate, chinese-days (its holiday data) and the workflow's own files — so that a new
  // dependency (node:crypto, redis, anything in server/) is an error instead of slipping past a deny-list.
  // test/workflows/boundary.test.ts shows the rule rejecting each of these.
  ...[0, 1].map((depth) => workflowBoundary(depth)),
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

/** Lint settings for the files `depth` folders below workflows/ (relative imports may climb to workflows/, no higher). */
function workflowBoundary(depth) {
  const segment = String.raw`(?!\.\.?(?:/|$))[\w.-]+`; // a path segment that is neither . nor ..
  const relative = depth === 0 ? String.raw`\./` : String.raw`(?:\./|(?:\.\./){1,${depth}})`;
  const allowed = String.raw`xstate|chinese-days(?:/${segment})*|${relative}${segment}(?:/${segment})*`;
  const message = 'workflows/ may import only xstate, chinese-days and its own files: it is the pure core (STYLE.md "The shape")';
  const clock = 'the workflow gets time from the event (event.at), never from the clock';
  return {
    files: depth === 0 ? ['workflows/*.ts'] : [`workflows/${'*/'.repeat(depth)}**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `^(?!(?:${allowed})$)`, message }] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: clock }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: clock },
        { selector: "CallExpression[callee.name='Date']", message: clock },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'the workflow is deterministic: no Math.random' },
        { selector: 'ImportExpression', message },
      ],
    },
  };
}
