// Webhooks survive a kill -9 of the service in the middle of delivering: the product runs as its own
// process (`npm start`'s entry point) on the embedded store; the receiver holds the first deliveries
// unanswered, the process is killed with SIGKILL while they are in flight, a new process starts on
// the same data, and the receiver gets every status change of every case — in order per case, each
// effect once (the webhook-id), every one verified with the library's verifier.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { login, startInstance, stop, type Instance } from '../multi/instances-support.ts';
import { acceptData } from '../support/workflow.ts';
import { Receiver } from './receiver.ts';

// the receiver is on loopback: allowed only with WEBHOOK_ALLOW_PRIVATE
const ENV = { TEST_CLOCK: '0', WEBHOOK_TIMEOUT_MS: '20000', WEBHOOK_LEASE_MS: '3000', WEBHOOK_ALLOW_PRIVATE: 'true' };

async function api(i: Instance, token: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${i.url}${p}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? null : await res.json();
  if (res.status >= 300) throw new Error(`${method} ${p} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('webhooks: kill -9 during delivery', function () {
  this.timeout(180_000);
  let dir: string;
  let rx: Receiver;
  let a: Instance | null = null;
  let b: Instance | null = null;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'webhooks-crash-'));
    rx = await new Receiver().start();
  });
  after(async () => {
    if (a && a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    await stop(b);
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing and applies each message once, in order per case', async () => {
    a = await startInstance(dir, ENV);
    const admin = await login(a.url, 'admin');
    const made = await api(a, admin, 'POST', '/api/admin/webhooks', { url: rx.url, types: ['case.status_changed'] });
    rx.secret = made.secret;
    rx.next('hang', 'hang'); // the first deliveries are held open: in flight when the process dies

    const mediator = await login(a.url, 'med.c1');
    const cases: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { case: c } = await api(a, mediator, 'POST', '/api/cases', {
        channel: 'walk_in',
        compoundId: 'ou-k1-1-1',
        category: 'noise',
        summary: `夜间噪音 ${i}`,
        parties: [
          { role: 'applicant', kind: 'person', name: '赵六', phone: '13700001111' },
          { role: 'respondent', kind: 'person', name: '钱七' },
        ],
      });
      cases.push(c.id);
      await api(a, mediator, 'POST', `/api/cases/${c.id}/events`, { type: 'ACCEPT', data: acceptData() });
      await api(a, mediator, 'POST', `/api/cases/${c.id}/events`, { type: 'WITHDRAW', data: { reason: '双方已和解' } });
    }
    await rx.untilRequests(2);
    a.child.kill('SIGKILL');
    await a.exited;
    expect(rx.applied.length).to.be.below(9); // the kill came before everything was delivered

    b = await startInstance(dir, ENV);
    await rx.untilApplied(9, 120_000);
    expect(rx.requests.every((r) => r.verified)).to.equal(true);
    for (const id of cases) {
      const mine = rx.applied.filter((m) => m.data.caseId === id);
      expect(mine.map((m) => m.data.status), id).to.deep.equal(['registered', 'in_mediation', 'closed']);
    }
    expect(rx.applied).to.have.length(9); // each effect once, though some messages came twice
  });
});
