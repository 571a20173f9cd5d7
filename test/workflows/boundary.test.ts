// The pure core's boundary (STYLE.md "The shape"; eslint.config.js workflowBoundary): a file in
// workflows/ may import only xstate, chinese-days and the workflow's own files, and may not read the
// clock or draw random numbers. Linted through the project's own config, as `npm run lint` does.
import { expect } from 'chai';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** the rule ids ESLint reports for `code` saved at `filePath` */
async function violations(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('the workflow boundary lint rule', function () {
  this.timeout(60_000); // the first lint loads typescript-eslint

  const rejected: Array<[string, string, string]> = [
    ['node:crypto', "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n", 'no-restricted-imports'],
    ['redis', "import { createClient } from 'redis';\nexport const c = createClient;\n", 'no-restricted-imports'],
    ['a server module', "import type { Store } from '../server/store/port.ts';\nexport type S = Store;\n", 'no-restricted-imports'],
    ['a re-export from outside', "export { route } from '../server/policy.ts';\n", 'no-restricted-imports'],
    ['a dynamic import', "export const load = () => import('./vocabulary.ts');\n", 'no-restricted-syntax'],
    ['new Date()', 'export const now = () => new Date();\n', 'no-restricted-syntax'],
    ['Date()', 'export const now = () => Date();\n', 'no-restricted-syntax'],
    ['Date.now()', 'export const now = () => Date.now();\n', 'no-restricted-properties'],
    ['Math.random()', 'export const pick = () => Math.random();\n', 'no-restricted-syntax'],
  ];
  for (const [what, code, rule] of rejected) {
    it(`rejects ${what} in workflows/`, async () => {
      expect(await violations(code, 'workflows/x.ts')).to.deep.equal([rule]);
    });
  }

  it('rejects climbing out of workflows/ from a subfolder', async () => {
    const code = "import type { Store } from '../../server/store/port.ts';\nexport type S = Store;\n";
    expect(await violations(code, 'workflows/calendar/x.ts')).to.deep.equal(['no-restricted-imports']);
  });

  it('accepts xstate, chinese-days, its own files and dates built from a value', async () => {
    const code = [
      "import { setup } from 'xstate';",
      "import days from 'chinese-days/dist/chinese-days.json' with { type: 'json' };",
      "import { TIERS } from './vocabulary.ts';",
      'export const all = [setup, days, TIERS];',
      "export const day = (at: string) => new Date(at).toISOString().slice(0, 10);",
      'export const round = (x: number) => Math.round(x);',
      '',
    ].join('\n');
    expect(await violations(code, 'workflows/x.ts')).to.deep.equal([]);
    expect(await violations("import { shanghaiDate } from '../deadlines.ts';\nexport const f = shanghaiDate;\n", 'workflows/calendar/x.ts')).to.deep.equal([]);
  });

  it('leaves the rest of the code base free to use the clock and node modules', async () => {
    const code = "import { randomUUID } from 'node:crypto';\nexport const id = () => `${randomUUID()}-${new Date().getTime()}`;\n";
    expect(await violations(code, 'server/x.ts')).to.deep.equal([]);
  });
});
