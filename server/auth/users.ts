// Adding a user account: the one use case behind POST /api/admin/users and the /admin page's form,
// so both validate (newUserBody), refuse a taken username and audit alike.
import { randomUUID } from 'node:crypto';
import Joi from 'joi';
import { ROLES, type Role } from '../../workflows/vocabulary.ts';
import { id, text } from '../cases/schemas.ts';
import type { Config } from '../config.ts';
import { isoShanghai } from '../engine/clock.ts';
import type { Directory } from '../engine/directory.ts';
import { Duplicate, ValidationFailed } from '../engine/errors.ts';
import type { Store, UserRecord } from '../store/port.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, scryptParamsFor } from './passwords.ts';

export const newUserBody = Joi.object({
  username: Joi.string()
    .pattern(/^[a-z0-9][a-z0-9._-]{1,49}$/, 'username')
    .required()
    .messages({ 'string.pattern.name': '{{#label}} must be 2–50 lower-case letters, digits, dots, dashes or underscores' }),
  name: text(100).required(),
  role: Joi.string()
    .valid(...ROLES)
    .required(),
  bodyId: id().allow(null).description('mediators: their mediation body; court liaisons: their court; administrators: none'),
  password: Joi.string().min(12).max(MAX_PASSWORD_LENGTH).required(),
  profile: Joi.object({
    homeCompoundId: id(),
    employer: text(100),
    relatives: Joi.array().items(text(100)).max(50),
  }).description('conflict-of-interest facts (回避)'),
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

/** Creates the account (validated input) for `actor`, an administrator; throws ValidationFailed when
 * the body does not suit the role and Duplicate when the username is taken. Audited. */
export async function createUser(
  deps: { store: Store; directory: Directory; config: Readonly<Config> },
  actor: UserRecord,
  input: NewUser,
  ip: string | undefined,
): Promise<UserRecord> {
  const { store, directory } = deps;
  const body = input.bodyId ? directory.body(input.bodyId) : undefined;
  const bodyProblem = ((): string | null => {
    if (input.bodyId && !body) return 'is not a body of the organisation';
    if (input.role === 'admin') return input.bodyId ? 'must be left out for administrators' : null;
    if (input.role === 'mediator') return !body ? 'is required for mediators' : body.tier === 'court' ? 'must be a mediation body, not a court' : null;
    if (input.role === 'court_liaison') return !body || body.tier !== 'court' ? 'must be a court for court liaisons' : null;
    return body?.tier === 'court' ? 'must be a mediation body' : null;
  })();
  if (bodyProblem) throw new ValidationFailed(`invalid body: "bodyId" ${bodyProblem}`, [{ field: 'bodyId', in: 'body', message: `"bodyId" ${bodyProblem}` }]);
  if (await store.users.getByUsername(input.username)) throw new Duplicate(`username ${input.username} is taken`, { field: 'username' });
  const record: UserRecord = {
    id: `u-${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    username: input.username,
    name: input.name,
    role: input.role,
    bodyId: input.bodyId ?? null,
    passwordHash: await hashPassword(input.password, scryptParamsFor(deps.config)),
    profile: input.profile ?? {},
    failedLogins: 0,
    lockedUntil: null,
    active: true,
    createdAt: isoShanghai(new Date()),
  };
  await store.users.insert(record);
  await directory.refresh();
  await store.audit.append({
    at: isoShanghai(new Date()),
    actor: actor.id,
    action: 'user.created',
    ip: ip ?? null,
    detail: { userId: record.id, username: record.username, role: record.role, bodyId: record.bodyId },
  });
  return record;
}
