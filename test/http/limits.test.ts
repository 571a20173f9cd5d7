// Limits that concurrency cannot beat (issue 15 §2): the wrong-access-code limit and the account
// lockout hold against a burst of parallel attempts, not only against attempts made one by one.
// Both tests failed on the code before the fix (checked 2026-12-06: the first let well over 10 guesses
// through and accepted the right code sent last; the second left the account unlocked).
import { expect } from 'chai';
import request from 'supertest';
import { PASSWORD, startProduct, type Product } from '../support/http.ts';

const BURST = 200;
const statuses = (responses: { status: number }[]) =>
  responses.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});

describe('HTTP limits under parallel attempts', () => {
  let p: Product;
  beforeEach(async () => {
    p = await startProduct({ signIn: false });
  });
  afterEach(async () => {
    await p.close();
  });

  it(`checks at most 10 of ${BURST} parallel wrong access codes and refuses the right code sent in the same burst`, async () => {
    p.tokens['med.c1'] = await p.login('med.c1');
    const { case: c, accessCode } = await p.intake('med.c1');
    const track = (code: string) => p.get(`/api/track/${encodeURIComponent(c.caseNo)}`, null).set('X-Access-Code', code);
    const wrong = Array.from({ length: BURST }, (_, i) => track(`WRONG${String(i).padStart(3, '0')}`).then((r) => r));
    const right = track(accessCode).then((r) => r); // guess 201, sent while the wrong ones are in flight
    const [answers, last] = await Promise.all([Promise.all(wrong), right]);
    const counts = statuses(answers);
    // 404 = the code was checked and was wrong; every other guess must be refused unchecked
    expect(counts[404] ?? 0, JSON.stringify(counts)).to.be.at.most(10);
    expect((counts[404] ?? 0) + (counts[429] ?? 0), JSON.stringify(counts)).to.equal(BURST);
    expect(last.status).to.equal(429);
    expect(last.body.error.code).to.equal('RATE_LIMITED');
  });

  it(`locks the account after ${BURST} parallel wrong passwords and refuses the right one`, async () => {
    const login = (password: string) => request(p.running.app).post('/api/auth/login').send({ username: 'med.c2', password });
    const wrong = Array.from({ length: BURST }, (_, i) => login(`wrong-password-${i}`).then((r) => r));
    const right = login(PASSWORD).then((r) => r); // sent while the wrong ones are in flight
    const [answers, during] = await Promise.all([Promise.all(wrong), right]);
    const counts = statuses(answers);
    // every answer is the same 401 (a locked account answers like a wrong password, issue 15 §2);
    // the audit trail tells that exactly the 5 failures the lockout allows were checked
    expect(counts[401] ?? 0, JSON.stringify(counts)).to.equal(BURST);
    const audit = (await p.running.services.store.audit.list(1000)).filter((e) => e.action === 'login.failed');
    const reasons = statuses(audit.map((e) => ({ status: (e.detail as { reason: string }).reason === 'wrong_password' ? 1 : 2 })));
    expect(reasons[1], 'passwords checked').to.equal(5);
    expect(during.status).to.equal(401);
    const after = await login(PASSWORD);
    expect(after.status).to.equal(401);
    expect(after.body.error.code).to.equal('INVALID_CREDENTIALS');
  });
});
