// User accounts: the use cases behind the administrators' API (POST/PATCH /api/admin/users, the
// password reset) and the /admin page, and a user changing their own password (POST /api/auth/password
// and /account/password), so the API and the pages validate, refuse and audit alike. The rules a body
// must meet for a role live here once (bodyProblem); `npm run admin:create` uses them too.
import type { AccountAttempts } from './throttle.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import Joi from 'joi';
import { ROLES, type Role } from '../../workflows/vocabulary.ts';
import { id, text } from '../cases/schemas.ts';
import type { Config } from '../config.ts';
import { isoShanghai } from '../engine/clock.ts';
import type { Org } from '../org.ts';
import { Duplicate, NotFound, RateLimited, ValidationFailed } from '../engine/errors.ts';
import type { Store, UserRecord } from '../store/port.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, scryptParamsFor, verifyPassword } from './passwords.ts';
import { revokeUserSessions, type AuthContext, type DisconnectUser } from './sessions.ts';
import { lockedForSeconds, lockoutSettings, oneSignInAtATime, recordFailedLogin } from './throttle.ts';

export const MIN_PASSWORD_LENGTH = 12;
const password = () => Joi.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

export const usernameSchema = Joi.string()
  .pattern(/^[a-z0-9][a-z0-9._-]{1,49}$/, 'username')
  .messages({ 'string.pattern.name': '{{#label}} must be 2–50 lower-case letters, digits, dots, dashes or underscores' });

const profileSchema = Joi.object({
  homeCompoundId: id().allow(''),
  employer: text(100).allow(''),
  relatives: Joi.array().items(text(100)).max(50),
  expertise: Joi.array().items(text(50)).max(20).description("experts: their fields, e.g. 法律, 建筑工程"),
}).description('conflict-of-interest facts (回避) and, for experts, their fields');

export const newUserBody = Joi.object({
  username: usernameSchema.required(),
  name: text(100).required(),
  role: Joi.string()
    .valid(...ROLES)
    .required(),
  bodyId: id().allow(null).description('mediators: their mediation body; court liaisons: their court; administrators: none'),
  password: password().required(),
  profile: profileSchema,
});

/** PATCH /api/admin/users/:id: any part may be left out; `active: false` deactivates (sessions and
 * sockets end at once), `active: true` lets the user sign in again. */
export const editUserBody = Joi.object({
  name: text(100),
  role: Joi.string().valid(...ROLES),
  bodyId: id().allow(null),
  profile: profileSchema,
  active: Joi.boolean(),
}).min(1);

export const passwordResetBody = Joi.object({
  temporaryPassword: password().description('left out: one is generated and answered once'),
});

export const passwordChangeBody = Joi.object({
  currentPassword: Joi.string().min(1).max(MAX_PASSWORD_LENGTH).required(),
  newPassword: password().required(),
});

/** What newUserBody lets through. */
export interface NewUser {
  username: string;
  name: string;
  role: Role;
  bodyId?: string | null;
  password: string;
  profile?: UserRecord['profile'];
}

export interface UserEdit {
  name?: string;
  role?: Role;
  bodyId?: string | null;
  profile?: UserRecord['profile'];
  active?: boolean;
}

export interface AccountDeps {
  store: Store;
  directory: Org & { refresh(): Promise<unknown> };
  config: Readonly<Config>;
  /** ends the user's live sockets (Services.disconnectUser) */
  disconnectUser?: DisconnectUser;
  /** with REDIS_URL, the per-account sign-in count shared by instances: an unlock clears it too */
  accountAttempts?: AccountAttempts | null;
}

/** Why a body does not suit a role, or null: administrators have none, mediators a mediation body,
 * court liaisons a court, experts (optionally) a mediation body. */
export function bodyProblem(org: Pick<Org, 'body'>, role: Role, bodyId: string | null | undefined): string | null {
  const body = bodyId ? org.body(bodyId) : undefined;
  if (bodyId && !body) return 'is not a body of the organisation';
  if (role === 'admin') return bodyId ? 'must be left out for administrators' : null;
  if (role === 'mediator') return !body ? 'is required for mediators' : body.tier === 'court' ? 'must be a mediation body, not a court' : null;
  if (role === 'court_liaison') return !body || body.tier !== 'court' ? 'must be a court for court liaisons' : null;
  return body?.tier === 'court' ? 'must be a mediation body' : null;
}

function checkBody(org: Pick<Org, 'body'>, role: Role, bodyId: string | null | undefined): void {
  const problem = bodyProblem(org, role, bodyId);
  if (problem) throw new ValidationFailed(`invalid body: "bodyId" ${problem}`, [{ field: 'bodyId', in: 'body', message: `"bodyId" ${problem}` }]);
}

const fieldError = (field: string, message: string) => new ValidationFailed(message, [{ field, in: 'body', message }]);

const audit = (store: Store, action: string, actor: string | null, ip: string | undefined, detail: unknown) =>
  store.audit.append({ at: isoShanghai(new Date()), actor, action, ip: ip ?? null, detail });

/** A new account record (validated input); Duplicate when the username is taken. Not audited: the callers are. */
export async function newAccount(
  deps: { store: Store; org: Pick<Org, 'body'>; scrypt: ReturnType<typeof scryptParamsFor> },
  input: NewUser,
  now: Date,
): Promise<UserRecord> {
  checkBody(deps.org, input.role, input.bodyId);
  if (await deps.store.users.getByUsername(input.username)) throw new Duplicate(`username ${input.username} is taken`, { field: 'username' });
  const record: UserRecord = {
    id: `u-${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    username: input.username,
    name: input.name,
    role: input.role,
    bodyId: input.bodyId ?? null,
    passwordHash: await hashPassword(input.password, deps.scrypt),
    profile: input.profile ?? {},
    failedLogins: 0,
    lockedUntil: null,
    active: true,
    createdAt: isoShanghai(now),
  };
  await deps.store.users.insert(record);
  return record;
}

/** Creates the account (validated input) for `actor`, an administrator; throws ValidationFailed when
 * the body does not suit the role and Duplicate when the username is taken. Audited. */
export async function createUser(deps: AccountDeps, actor: UserRecord, input: NewUser, ip: string | undefined): Promise<UserRecord> {
  const record = await newAccount({ store: deps.store, org: deps.directory, scrypt: scryptParamsFor(deps.config) }, input, new Date());
  await deps.directory.refresh();
  await audit(deps.store, 'user.created', actor.id, ip, { userId: record.id, username: record.username, role: record.role, bodyId: record.bodyId });
  return record;
}

async function existing(store: Store, userId: string): Promise<UserRecord> {
  const user = await store.users.get(userId);
  if (!user) throw new NotFound(`user ${userId}`);
  return user;
}

/** Changes a user's name, role, body, profile or whether they are active. Deactivating ends every
 * session and live socket of the user at once; a new role or body ends their sockets (their rooms
 * were chosen for the old one; pages reconnect). An administrator cannot deactivate or demote
 * themselves (someone must be left to undo it). Audited with what changed. */
export async function updateUser(deps: AccountDeps, actor: UserRecord, userId: string, edit: UserEdit, ip: string | undefined): Promise<UserRecord> {
  const { store } = deps;
  const before = await existing(store, userId);
  const role = edit.role ?? before.role;
  const bodyId = edit.bodyId !== undefined ? edit.bodyId : edit.role === 'admin' ? null : before.bodyId;
  checkBody(deps.directory, role, bodyId);
  if (userId === actor.id && edit.active === false) throw fieldError('active', '"active": you cannot deactivate your own account');
  if (userId === actor.id && role !== 'admin') throw fieldError('role', '"role": you cannot take the administrator role from yourself');

  const patch: Partial<UserRecord> = {};
  if (edit.name !== undefined && edit.name !== before.name) patch.name = edit.name;
  if (role !== before.role) patch.role = role;
  if (bodyId !== before.bodyId) patch.bodyId = bodyId;
  if (edit.profile !== undefined && JSON.stringify(edit.profile) !== JSON.stringify(before.profile)) patch.profile = edit.profile;
  if (edit.active !== undefined && edit.active !== before.active) patch.active = edit.active;
  if (Object.keys(patch).length === 0) return before;

  await store.users.update(userId, patch);
  await deps.directory.refresh();
  let sessionsEnded = 0;
  if (patch.active === false) {
    sessionsEnded = (await revokeUserSessions(deps, userId, { now: new Date(), reason: 'deactivated' })).length;
  } else if (patch.role !== undefined || patch.bodyId !== undefined) {
    deps.disconnectUser?.(userId, 'account_changed');
  }
  const changed = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, { from: before[k as keyof UserRecord] ?? null, to: v }]));
  const action = patch.active === false ? 'user.deactivated' : patch.active === true ? 'user.reactivated' : 'user.updated';
  await audit(store, action, actor.id, ip, { userId, username: before.username, changed, ...(patch.active === false ? { sessionsEnded } : {}) });
  return (await store.users.get(userId))!;
}

/** A readable temporary password: 16 characters from an alphabet without look-alikes (0/O, 1/l). */
export function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length]; // 256 % 55: a bias too small to matter here
  return out.replace(/(.{4})(?!$)/g, '$1-');
}

/** An administrator's password reset: the user's sessions and sockets end, the account is unlocked,
 * and the next sign-in must choose a new password before anything else. The temporary password is
 * the one given or a generated one (answered once, never stored or audited). */
export async function resetPassword(
  deps: AccountDeps,
  actor: UserRecord,
  userId: string,
  input: { temporaryPassword?: string },
  ip: string | undefined,
): Promise<{ user: UserRecord; temporaryPassword: string; generated: boolean }> {
  const { store } = deps;
  const user = await existing(store, userId);
  const temp = input.temporaryPassword ?? temporaryPassword();
  await store.users.update(userId, {
    passwordHash: await hashPassword(temp, scryptParamsFor(deps.config)),
    mustChangePassword: true,
    failedLogins: 0,
    lockedUntil: null,
  });
  await deps.accountAttempts?.reset([`login:${userId}`]); // unlocked on every instance too
  const ended = await revokeUserSessions(deps, userId, { now: new Date(), reason: 'password_reset' });
  await deps.directory.refresh();
  await audit(store, 'user.password_reset', actor.id, ip, { userId, username: user.username, sessionsEnded: ended.length, generated: input.temporaryPassword === undefined });
  return { user: (await store.users.get(userId))!, temporaryPassword: temp, generated: input.temporaryPassword === undefined };
}

/** A user changes their own password with the current one. A wrong current password counts towards
 * the account's sign-in lockout (a stolen session cannot guess it freely). Every other session of
 * the user ends; the one used stays. Clears a forced change. Audited (never the passwords). */
export async function changeOwnPassword(
  deps: Pick<AccountDeps, 'store' | 'config'>,
  auth: AuthContext,
  input: { currentPassword: string; newPassword: string },
  ip: string | undefined,
): Promise<UserRecord> {
  const { store, config } = deps;
  const userId = auth.user.id;
  return oneSignInAtATime(store, userId, async () => {
    const user = await existing(store, userId);
    const now = new Date();
    const lockedFor = lockedForSeconds(user, now);
    if (lockedFor > 0) throw new RateLimited('too many wrong passwords: this account is locked for a while', lockedFor);
    if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
      const { locked } = await recordFailedLogin(store, user, now, lockoutSettings(config));
      await audit(store, 'password.change_failed', userId, ip, { username: user.username, locked });
      throw fieldError('currentPassword', '"currentPassword" is not your current password');
    }
    if (input.newPassword === input.currentPassword) throw fieldError('newPassword', '"newPassword" must differ from the current password');
    await store.users.update(userId, {
      passwordHash: await hashPassword(input.newPassword, scryptParamsFor(config)),
      mustChangePassword: false,
      failedLogins: 0,
      lockedUntil: null,
    });
    const ended = await store.sessions.revokeForUser(userId, now.toISOString(), auth.session.tokenHash);
    await audit(store, 'password.changed', userId, ip, { username: user.username, otherSessionsEnded: ended.length, wasForced: user.mustChangePassword === true });
    return (await store.users.get(userId))!;
  });
}
