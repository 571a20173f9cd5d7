// Creates an administrator in the configured store — how a production installation gets its first
// account (production never seeds demo accounts).
//   npm run admin:create -- --username admin2 --password '…' [--name 区司法局管理员]
// or ADMIN_USERNAME / ADMIN_PASSWORD / ADMIN_NAME in the environment; on a terminal, whatever is
// missing is asked for.
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { hashPassword, MAX_PASSWORD_LENGTH, scryptParamsFor } from '../server/auth/passwords.ts';
import { ConfigError, loadConfig } from '../server/config.ts';
import { openStore } from '../server/store/open.ts';
import type { Store, UserRecord } from '../server/store/port.ts';
import { isoShanghai } from '../server/engine/clock.ts';

const MIN_PASSWORD_LENGTH = 12;
const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) return '';
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

export async function createAdministrator(
  store: Store,
  input: { username: string; password: string; name: string },
  opts: { now: Date; scrypt: ReturnType<typeof scryptParamsFor> },
): Promise<UserRecord> {
  if (!USERNAME.test(input.username)) throw new Error('username: 3 to 64 letters, digits, ".", "_" or "-"');
  if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) {
    throw new Error(`password: between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (await store.users.getByUsername(input.username)) throw new Error(`username ${input.username} is taken`);
  const user: UserRecord = {
    id: `u-${randomUUID()}`,
    username: input.username,
    name: input.name,
    role: 'admin',
    bodyId: null,
    passwordHash: await hashPassword(input.password, opts.scrypt),
    profile: {},
    failedLogins: 0,
    lockedUntil: null,
    active: true,
    createdAt: isoShanghai(opts.now),
  };
  await store.users.insert(user);
  await store.audit.append({
    at: user.createdAt,
    actor: null,
    action: 'admin.create',
    ip: null,
    detail: { userId: user.id, username: user.username, via: 'npm run admin:create' },
  });
  return user;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { username: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  const config = loadConfig(process.env);
  const username = values.username ?? process.env.ADMIN_USERNAME ?? (await ask('username: '));
  const password = values.password ?? process.env.ADMIN_PASSWORD ?? (await ask('password (12+ characters): '));
  const name = values.name ?? process.env.ADMIN_NAME ?? '系统管理员';
  if (!username || !password) {
    console.error('admin:create: give --username and --password (or ADMIN_USERNAME / ADMIN_PASSWORD)');
    return 2;
  }
  const store = await openStore(config); // MongoDB when MONGODB_URI is set, else the embedded store
  await store.init();
  try {
    const user = await createAdministrator(store, { username, password, name }, { now: new Date(), scrypt: scryptParamsFor(config) });
    console.log(`administrator ${user.username} created (id ${user.id})`);
    return 0;
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('admin-create.ts')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`admin:create: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
