// Accounts (issue 15 §5): an administrator edits and deactivates users (their sessions and live
// sockets end at once), resets a password (the next sign-in must change it before anything else);
// every user changes their own password with the current one. All audited. The real product
// (startServer) with its HTTP app; sockets through a real listening port.
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import request from 'supertest';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { PASSWORD, startProduct, type Product } from '../support/http.ts';

const NEW_PASSWORD = 'a-new-password-2026';

function once<T = unknown>(socket: ClientSocket, name: string): Promise<T> {
  return new Promise((resolve) => socket.once(name, (v: T) => resolve(v)));
}

describe('accounts: edit, deactivate, reset and change passwords (issue 15 §5)', () => {
  let p: Product;
  const sockets: ClientSocket[] = [];
  beforeEach(async () => {
    p = await startProduct();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    p.running.server.closeAllConnections?.();
    await p.close();
  });

  const audit = async () => (await p.get('/api/admin/audit?limit=50').expect(200)).body.items as Array<{ action: string; actor: string; detail: any }>;
  const newUser = (over: Record<string, unknown> = {}) =>
    p.post('/api/admin/users').send({ username: 'med.new', name: '周新', role: 'mediator', bodyId: 'b-c1-1', password: 'first-password-1', ...over });

  it('edits name, role, body and profile, refuses a body that does not suit the role, and audits what changed', async () => {
    const created = (await newUser().expect(201)).body.user;
    const res = await p
      .patch(`/api/admin/users/${created.id}`)
      .send({ name: '周新华', bodyId: 'b-s1', profile: { employer: '某物业公司', relatives: ['周大'] } })
      .expect(200);
    expect(res.body.user).to.include({ name: '周新华', bodyId: 'b-s1', tier: 'subdistrict', active: true });
    expect(res.body.user.profile).to.deep.equal({ employer: '某物业公司', relatives: ['周大'] });

    // an expert with fields of expertise; a court liaison must have a court
    const expert = (await p.patch(`/api/admin/users/${created.id}`).send({ role: 'expert', bodyId: 'b-d1', profile: { expertise: ['建筑工程'] } }).expect(200)).body.user;
    expect(expert).to.include({ role: 'expert' });
    expect(expert.profile.expertise).to.deep.equal(['建筑工程']);
    const bad = await p.patch(`/api/admin/users/${created.id}`).send({ role: 'court_liaison' }).expect(400);
    expect(bad.body.error.code).to.equal('VALIDATION_FAILED');
    expect(JSON.stringify(bad.body.error.details)).to.match(/bodyId/);
    expect((await p.get('/api/admin/users').expect(200)).body.find((u: any) => u.id === created.id).role).to.equal('expert');

    await p.patch(`/api/admin/users/${created.id}`).send({}).expect(400); // nothing to change
    await p.patch('/api/admin/users/u-nobody').send({ name: 'x' }).expect(404);
    await p.patch(`/api/admin/users/${created.id}`, 'med.c1').send({ name: 'x' }).expect(403);

    const entry = (await audit()).find((e) => e.action === 'user.updated' && e.detail.changed?.name);
    expect(entry!.actor).to.equal(p.userIds.admin);
    expect(entry!.detail.changed.name).to.deep.equal({ from: '周新', to: '周新华' });
  });

  it('deactivating ends every session and socket of the user at once; sign-in then answers exactly as a wrong password', async () => {
    await new Promise<void>((resolve) => p.running.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(p.running.server.address() as AddressInfo).port}`;
    const second = await p.login('med.c2'); // a second session of the same user
    const socket = connectClient(url, { auth: { token: p.tokens['med.c2'] }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    await once(socket, 'connect');
    const ended = once<{ reason: string }>(socket, 'live:session-ended');
    const gone = once<string>(socket, 'disconnect');

    const res = await p.patch(`/api/admin/users/${p.userIds['med.c2']}`).send({ active: false }).expect(200);
    expect(res.body.user.active).to.equal(false);
    // the product's periodic session sweep runs every 60 s: this arrives from the deactivation itself
    expect(await ended).to.deep.equal({ reason: 'deactivated' });
    expect(await gone).to.equal('io server disconnect');

    for (const token of [p.tokens['med.c2'], second]) {
      await request(p.running.app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
    }
    const deactivated = await request(p.running.app).post('/api/auth/login').send({ username: 'med.c2', password: PASSWORD });
    const wrong = await request(p.running.app).post('/api/auth/login').send({ username: 'med.c1', password: 'not-the-password' });
    expect(deactivated.status).to.equal(401);
    expect(deactivated.status).to.equal(wrong.status);
    expect(deactivated.body.error.code).to.equal(wrong.body.error.code);
    expect(deactivated.body.error.message).to.equal(wrong.body.error.message);

    const entry = (await audit()).find((e) => e.action === 'user.deactivated');
    expect(entry!.detail).to.include({ userId: p.userIds['med.c2'], sessionsEnded: 2 });

    // an administrator cannot deactivate themselves; reactivation lets the user in again
    const self = await p.patch(`/api/admin/users/${p.userIds.admin}`).send({ active: false }).expect(400);
    expect(JSON.stringify(self.body.error.details)).to.match(/active/);
    await p.patch(`/api/admin/users/${p.userIds['med.c2']}`).send({ active: true }).expect(200);
    await p.login('med.c2');
    expect((await audit()).some((e) => e.action === 'user.reactivated')).to.equal(true);
  });

  it("moving a user to another body drops their sockets at once (their rooms were the old body's); the session stays", async () => {
    await new Promise<void>((resolve) => p.running.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(p.running.server.address() as AddressInfo).port}`;
    const socket = connectClient(url, { auth: { token: p.tokens['med.c1'] }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    await once(socket, 'connect');
    const ended = once<{ reason: string }>(socket, 'live:session-ended');
    await p.patch(`/api/admin/users/${p.userIds['med.c1']}`).send({ bodyId: 'b-c1-2' }).expect(200);
    expect(await ended).to.deep.equal({ reason: 'account_changed' });
    expect((await p.get('/api/me', 'med.c1').expect(200)).body.user.bodyId).to.equal('b-c1-2');
  });

  it('a password reset ends the sessions, and the next sign-in must change the password before anything else', async () => {
    const id = p.userIds['med.c1'];
    const res = await p.post(`/api/admin/users/${id}/password-reset`).send({}).expect(200);
    expect(res.body.generated).to.equal(true);
    expect(res.body.temporaryPassword).to.match(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
    expect(res.body.user.mustChangePassword).to.equal(true);
    expect(res.headers['cache-control']).to.equal('no-store');
    await p.get('/api/cases', 'med.c1').expect(401); // the old session ended
    await request(p.running.app).post('/api/auth/login').send({ username: 'med.c1', password: PASSWORD }).expect(401);

    const login = await request(p.running.app).post('/api/auth/login').send({ username: 'med.c1', password: res.body.temporaryPassword }).expect(200);
    expect(login.body.mustChangePassword).to.equal(true);
    const bearer = `Bearer ${login.body.token}`;
    const blocked = await request(p.running.app).get('/api/cases').set('Authorization', bearer).expect(403);
    expect(blocked.body.error.code).to.equal('PASSWORD_CHANGE_REQUIRED');
    expect((await request(p.running.app).get('/api/me').set('Authorization', bearer).expect(200)).body.mustChangePassword).to.equal(true);

    const same = await request(p.running.app).post('/api/auth/password').set('Authorization', bearer).send({ currentPassword: res.body.temporaryPassword, newPassword: res.body.temporaryPassword }).expect(400);
    expect(JSON.stringify(same.body.error.details)).to.match(/newPassword/);
    await request(p.running.app).post('/api/auth/password').set('Authorization', bearer).send({ currentPassword: res.body.temporaryPassword, newPassword: NEW_PASSWORD }).expect(200);
    await request(p.running.app).get('/api/cases').set('Authorization', bearer).expect(200); // this session stays
    await p.login('med.c1', NEW_PASSWORD);

    const actions = (await audit()).map((e) => e.action);
    expect(actions).to.include.members(['user.password_reset', 'password.changed']);
    expect(JSON.stringify(await audit())).not.to.contain(res.body.temporaryPassword);
    expect(JSON.stringify(await audit())).not.to.contain(NEW_PASSWORD);

    // a given temporary password is used as given, and never answered as generated
    const given = await p.post(`/api/admin/users/${id}/password-reset`).send({ temporaryPassword: 'chosen-by-admin-1' }).expect(200);
    expect(given.body).to.include({ generated: false, temporaryPassword: 'chosen-by-admin-1' });
    await p.post(`/api/admin/users/${id}/password-reset`).send({ temporaryPassword: 'short' }).expect(400);
    await p.post(`/api/admin/users/${id}/password-reset`, 'med.s1').send({}).expect(403);
  });

  it('a user changes their own password with the current one; a wrong one is refused, counted and audited; other sessions end', async () => {
    const other = await p.login('med.s1');
    const wrong = await p.post('/api/auth/password', 'med.s1').send({ currentPassword: 'not-it', newPassword: NEW_PASSWORD }).expect(400);
    expect(wrong.body.error.details[0].field).to.equal('currentPassword');
    await p.post('/api/auth/password', 'med.s1').send({ currentPassword: PASSWORD, newPassword: 'short' }).expect(400);
    await p.post('/api/auth/password', 'med.s1').send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(200);
    await p.get('/api/me', 'med.s1').expect(200);
    await request(p.running.app).get('/api/me').set('Authorization', `Bearer ${other}`).expect(401);
    await request(p.running.app).post('/api/auth/login').send({ username: 'med.s1', password: PASSWORD }).expect(401);
    await p.login('med.s1', NEW_PASSWORD);
    const entries = await audit();
    expect(entries.find((e) => e.action === 'password.change_failed')!.actor).to.equal(p.userIds['med.s1']);
    expect(entries.find((e) => e.action === 'password.changed')!.detail).to.include({ otherSessionsEnded: 1, wasForced: false });
  });

  it('five wrong current passwords lock the account like five wrong sign-ins', async () => {
    for (let i = 0; i < 5; i++) await p.post('/api/auth/password', 'med.d').send({ currentPassword: `wrong-${i}`, newPassword: NEW_PASSWORD }).expect(400);
    const locked = await p.post('/api/auth/password', 'med.d').send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(locked.status).to.equal(429);
  });
});
