// Creates an administrator in the configured store — how a production installation gets its first
// account (production never seeds demo accounts).
//   npm run admin:create -- --username admin2 --password '…' [--name 区司法局管理员]
// or ADMIN_USERNAME / ADMIN_PASSWORD / ADMIN_NAME in the environment; on a terminal, whatever is
// missing is asked for.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { scryptParamsFor } from '../server/auth/passwords.ts';
import { newAccount, newUserBody, type NewUser } from '../server/auth/users.ts';
import { ConfigError, loadConfig } from '../server/config.ts';
import { Org } from '../server/org.ts';
import { validateInput } from '../server/validation.ts';
import { openStore } from '../server/store/open.ts';
import type { Store, UserRecord } from '../server/store/port.ts';

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) return '';
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** The first administrator, under the same rules as an account added on /admin (server/auth/users.ts:
 * newUserBody's username and password rules, newAccount's duplicate check); audited as admin.create. */
export async function createAdministrator(
  store: Store,
  input: { username: string; password: string; name: string },
  opts: { now: Date; scrypt: ReturnType<typeof scryptParamsFor> },
): Promise<UserRecord> {
  const body = validateInput<NewUser>(newUserBody, { ...input, role: 'admin' }, 'body', false);
  const user = await newAccount({ store, org: new Org(), scrypt: opts.scrypt }, body, opts.now);
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
