import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { diagramBlock, END, START } from '../../scripts/diagram.ts';

describe('the README statechart', () => {
  it('is the one generated from the current machine definition (run npm run diagram after changing it)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(block).to.equal(diagramBlock());
  });
  it('shows every state of the machine with its API status', () => {
    for (const s of ['awaitingAcceptance (registered)', 'mediating (in_mediation)', 'referredToCourt (referred_to_court)']) {
      expect(diagramBlock()).to.contain(s);
    }
  });
});
