// Environment → validated, typed, frozen configuration. Read once at start (server/main.ts, scripts) and
// passed in; nothing else reads process.env. Every variable is listed, with its default, in
// .env.example.
import Joi from 'joi';

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  port: number;
  /** the embedded store's folder (SQLite file `mediation.db` inside it) */
  dataDir: string;
  /** when set, MongoDB is the store instead of the embedded one */
  mongodbUri: string | null;
  /** when set, live updates and the attempt limits are shared between instances through Redis */
  redisUrl: string | null;
  /** prefix of this service's Redis keys (attempt limits); instances that share limits use the same */
  redisKeyPrefix: string;
  nodeEnv: NodeEnv;
  isProduction: boolean;
  /** where residents reach the service (https://tiaojie.example.gov.cn, perhaps with a path): the
   * intake slip's tracking link and QR code start with it. Required in production; elsewhere, when
   * unset, the request's Host is used (development and tests only). No trailing slash. */
  publicUrl: string | null;
  /** password of the demo accounts (never seeded in production) */
  demoPassword: string;
  /** POST /api/admin/clock may move the engine's clock (never in production) */
  testClock: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** server-side secret: signs cookies (cookie-parser, server/app.ts). Access codes are salted scrypt hashes and do not use it. */
  appSecret: string;
  /** earlier APP_SECRETs: access codes issued under them still open their cases */
  appSecretPrevious: string[];
  sessionTtlHours: number;
  /** how long an authenticated request's session and user are trusted without reading the store
   * again (ms; 0 = read every time): the bound on another instance's sign-out (server/auth/session-cache.ts) */
  sessionCacheMs: number;
  /** origins allowed to call the API from a browser; empty = none (CORS closed) */
  corsOrigins: string[];
  /** failed logins on one account before it is locked */
  loginMaxFailures: number;
  loginLockMinutes: number;
  /** failed logins from one client address per window before it gets 429 */
  loginIpMaxFailures: number;
  loginIpWindowMinutes: number;
  /** largest accepted request body, in the notation of body-parser ("100kb", "1mb") */
  bodyLimit: string;
  /** express "trust proxy": false, a hop count, or a list of addresses/subnets */
  trustProxy: boolean | number | string;
  /** the session cookie carries the Secure flag (on by default in production) */
  cookieSecure: boolean;
  /** scrypt cost as log2(N) for new password hashes */
  passwordScryptLogN: number;
  /** how long a scheduler instance holds a claimed timer before another instance may take it */
  schedulerLeaseMs: number;
  /** the longest the scheduler sleeps before looking for due timers armed by other instances */
  schedulerPollMs: number;
  /** how many due timers one claim takes (and fires together) */
  schedulerBatch: number;
  /** a webhook receiver that has not answered by then counts as a failed attempt (retried later) */
  webhookTimeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: webhook URLs may name loopback, private and link-local addresses (a
   * receiver on this host or network; the tests). Off by default: such URLs get 422 (SSRF). */
  webhookAllowPrivate: boolean;
  /** how long an instance holds a claimed webhook delivery before another instance may take it (after a crash) */
  webhookLeaseMs: number;
  /** uploaded tables (reconciliation, bulk intake): rows, an XLSX file's unpacked bytes, reading time, files read at once (0 = cores − 1) */
  uploadMaxRows: number;
  uploadMaxUncompressedBytes: number;
  uploadParseTimeoutMs: number;
  uploadParseWorkers: number;
  /** hours an Idempotency-Key's stored answer is kept (then the key may be used afresh) */
  idempotencyTtlHours: number;
  /** where `npm run backup` and the scheduled backups write (the embedded store only) */
  backupDir: string;
  /** hours between scheduled online backups while the service runs; 0 = none */
  backupEveryHours: number;
  /** scheduled backups kept (the oldest beyond this are deleted) */
  backupKeep: number;
  /** the embedded store writes each commit group (its SQLite writes and fsync) on a writer thread, not on
   * the event loop (server/store/sqlite/writer.ts); MongoDB ignores it */
  sqliteWriterThread: boolean;
  /** parsed case records the embedded store keeps in memory (server/store/sqlite/cases.ts) */
  recordCacheSize: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_DEMO_PASSWORD = 'demo-pass-2026';
export const DEFAULT_APP_SECRET = 'dev-only-secret-do-not-use-in-production';

interface VariableSpec {
  schema: Joi.Schema;
  /** completes "<NAME> must be …" */
  must: string;
  fallback: string;
  /** never echoed back in an error message */
  secret?: boolean;
}

const bool01 = Joi.string().valid('0', '1', 'true', 'false');
const duration = Joi.string().pattern(/^\d+(\.\d+)?\s*(b|kb|mb)$/i);

const VARIABLES: Record<string, VariableSpec> = {
  PORT: { schema: Joi.number().integer().min(0).max(65535), must: 'a number between 0 (any free port) and 65535', fallback: '3000' },
  DATA_DIR: { schema: Joi.string().min(1), must: 'a folder path', fallback: './data' },
  MONGODB_URI: {
    schema: Joi.string().allow('').pattern(/^mongodb(\+srv)?:\/\/\S+$/),
    must: 'a mongodb:// or mongodb+srv:// URI',
    fallback: '',
    secret: true,
  },
  REDIS_URL: {
    schema: Joi.string().allow('').pattern(/^rediss?:\/\/\S+$/),
    must: 'a redis:// or rediss:// URL',
    fallback: '',
    secret: true,
  },
  REDIS_KEY_PREFIX: {
    schema: Joi.string().pattern(/^[\w.:-]{1,64}$/),
    must: '1 to 64 letters, digits, or . : _ -',
    fallback: 'mediation:',
  },
  NODE_ENV: {
    schema: Joi.string().valid('development', 'test', 'production'),
    must: 'one of development, test, production',
    fallback: 'development',
  },
  DEMO_PASSWORD: {
    schema: Joi.string().min(8).max(200),
    must: 'between 8 and 200 characters',
    fallback: DEFAULT_DEMO_PASSWORD,
    secret: true,
  },
  TEST_CLOCK: { schema: bool01, must: '0 or 1', fallback: '0' },
  LOG_LEVEL: {
    schema: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    must: 'one of fatal, error, warn, info, debug, trace, silent',
    fallback: 'info',
  },
  APP_SECRET: {
    schema: Joi.string().min(16).max(500),
    must: 'between 16 and 500 characters',
    fallback: DEFAULT_APP_SECRET,
    secret: true,
  },
  // earlier APP_SECRETs, comma-separated, after a rotation: access codes issued under them keep
  // opening their cases (server/auth/access-codes.ts); nothing else is read with them
  APP_SECRET_PREVIOUS: {
    schema: Joi.string()
      .allow('')
      .pattern(/^[^,]{16,500}(,[^,]{16,500})*$/),
    must: 'a comma-separated list of earlier APP_SECRET values (16 to 500 characters each), or empty',
    fallback: '',
    secret: true,
  },
  SESSION_TTL_HOURS: {
    schema: Joi.number().min(0.01).max(24 * 30),
    must: 'a number of hours between 0.01 and 720',
    fallback: '12',
  },
  SESSION_CACHE_MS: {
    schema: Joi.number().integer().min(0).max(60_000),
    must: 'a whole number of milliseconds between 0 and 60000',
    fallback: '1000',
  },
  PUBLIC_URL: {
    schema: Joi.string()
      .allow('')
      .uri({ scheme: ['http', 'https'] })
      .pattern(/^[^?#]*$/),
    must: 'an http(s) URL without query or fragment, such as https://tiaojie.example.gov.cn (or empty)',
    fallback: '',
  },
  CORS_ORIGINS: {
    schema: Joi.string()
      .allow('')
      .pattern(/^\s*https?:\/\/[^\s,/]+\s*(,\s*https?:\/\/[^\s,/]+\s*)*$/),
    must: 'a comma-separated list of origins such as https://example.org (or empty)',
    fallback: '',
  },
  LOGIN_MAX_FAILURES: { schema: Joi.number().integer().min(1).max(100), must: 'a whole number between 1 and 100', fallback: '5' },
  LOGIN_LOCK_MINUTES: {
    schema: Joi.number().min(0.1).max(24 * 60),
    must: 'a number of minutes between 0.1 and 1440',
    fallback: '15',
  },
  LOGIN_IP_MAX_FAILURES: {
    schema: Joi.number().integer().min(1).max(10000),
    must: 'a whole number between 1 and 10000',
    fallback: '30',
  },
  LOGIN_IP_WINDOW_MINUTES: {
    schema: Joi.number().min(0.1).max(24 * 60),
    must: 'a number of minutes between 0.1 and 1440',
    fallback: '15',
  },
  BODY_LIMIT: { schema: duration, must: 'a size such as 100kb or 1mb', fallback: '100kb' },
  TRUST_PROXY: {
    schema: Joi.string().allow('').pattern(/^[\w.:/,\s-]*$/),
    must: 'empty, a hop count, or a comma-separated list of addresses',
    fallback: '',
  },
  COOKIE_SECURE: { schema: Joi.string().valid('', '0', '1', 'true', 'false'), must: '0 or 1 (or empty for the default)', fallback: '' },
  SCHEDULER_LEASE_MS: {
    schema: Joi.number().integer().min(100).max(3_600_000),
    must: 'a whole number of milliseconds between 100 and 3600000',
    fallback: '30000',
  },
  SCHEDULER_POLL_MS: {
    schema: Joi.number().integer().min(10).max(600_000),
    must: 'a whole number of milliseconds between 10 and 600000',
    fallback: '1000',
  },
  SCHEDULER_BATCH: {
    schema: Joi.number().integer().min(1).max(5000),
    must: 'a whole number between 1 and 5000',
    fallback: '200',
  },
  WEBHOOK_TIMEOUT_MS: {
    schema: Joi.number().integer().min(100).max(60_000),
    must: 'a whole number of milliseconds between 100 and 60000',
    fallback: '10000',
  },
  WEBHOOK_ALLOW_PRIVATE: { schema: Joi.string().valid('0', '1', 'true', 'false'), must: 'true or false (or 1 or 0)', fallback: 'false' },
  WEBHOOK_LEASE_MS: {
    schema: Joi.number().integer().min(1000).max(3_600_000),
    must: 'a whole number of milliseconds between 1000 and 3600000',
    fallback: '60000',
  },
  UPLOAD_MAX_ROWS: { schema: Joi.number().integer().min(10).max(1_000_000), must: 'a whole number between 10 and 1000000', fallback: '20000' },
  UPLOAD_MAX_UNCOMPRESSED: { schema: duration, must: 'a size such as 30mb', fallback: '30mb' },
  UPLOAD_PARSE_TIMEOUT_MS: {
    schema: Joi.number().integer().min(100).max(600_000),
    must: 'a whole number of milliseconds between 100 and 600000',
    fallback: '15000',
  },
  UPLOAD_PARSE_WORKERS: { schema: Joi.number().integer().min(0).max(64), must: 'a whole number between 0 (the cores minus one) and 64', fallback: '0' },
  IDEMPOTENCY_TTL_HOURS: {
    schema: Joi.number().min(0.01).max(24 * 365),
    must: 'a number of hours between 0.01 and 8760',
    fallback: '24',
  },
  BACKUP_DIR: { schema: Joi.string().allow(''), must: 'a folder path (empty: DATA_DIR/backups)', fallback: '' },
  BACKUP_EVERY_HOURS: { schema: Joi.number().min(0).max(24 * 365), must: 'a number of hours between 0 (none) and 8760', fallback: '24' },
  BACKUP_KEEP: { schema: Joi.number().integer().min(1).max(10000), must: 'a whole number between 1 and 10000', fallback: '14' },
  SQLITE_WRITER_THREAD: { schema: Joi.string().valid('on', 'off'), must: 'on or off', fallback: 'off' },
  RECORD_CACHE_SIZE: { schema: Joi.number().integer().min(0).max(1_000_000), must: 'a whole number between 0 and 1000000', fallback: '5000' },
  PASSWORD_SCRYPT_LOG_N: {
    schema: Joi.number().integer().min(10).max(20),
    must: 'a whole number between 10 and 20',
    fallback: '16',
  },
};

export const CONFIG_VARIABLES = Object.keys(VARIABLES);

/** Validates the environment; throws ConfigError with one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Readonly<Config> {
  const raw: Record<string, string> = {};
  const explicit = new Set<string>();
  for (const [name, spec] of Object.entries(VARIABLES)) {
    const given = env[name];
    if (given !== undefined) explicit.add(name);
    const value = given ?? spec.fallback;
    const { error } = spec.schema.validate(value.trim(), { convert: true });
    if (error) {
      const got = spec.secret ? `${value.length} characters` : JSON.stringify(oneLine(value));
      throw new ConfigError(`${name} must be ${spec.must} (got ${got})`);
    }
    raw[name] = value.trim();
  }

  const nodeEnv = raw.NODE_ENV as NodeEnv;
  const isProduction = nodeEnv === 'production';
  const testClock = raw.TEST_CLOCK === '1' || raw.TEST_CLOCK === 'true';

  if (isProduction) {
    if (testClock) throw new ConfigError('TEST_CLOCK must be 0 when NODE_ENV=production (a movable clock is for tests only)');
    if (raw.APP_SECRET === DEFAULT_APP_SECRET || raw.APP_SECRET.length < 32) {
      throw new ConfigError('APP_SECRET must be set to a random value of at least 32 characters when NODE_ENV=production');
    }
    if (explicit.has('DEMO_PASSWORD') && raw.DEMO_PASSWORD === DEFAULT_DEMO_PASSWORD) {
      throw new ConfigError('DEMO_PASSWORD must not be the default when NODE_ENV=production (demo data is never seeded there; unset it)');
    }
    if (Number(raw.PASSWORD_SCRYPT_LOG_N) < 15) {
      throw new ConfigError(`PASSWORD_SCRYPT_LOG_N must be at least 15 when NODE_ENV=production (got "${raw.PASSWORD_SCRYPT_LOG_N}")`);
    }
    // the slip's tracking link is never built on a Host header a client chose (issue 15 hardening)
    if (!raw.PUBLIC_URL) {
      throw new ConfigError('PUBLIC_URL must be set when NODE_ENV=production (the address residents open: the intake slip’s link and QR code)');
    }
  }

  const config: Config = {
    port: Number(raw.PORT),
    dataDir: raw.DATA_DIR,
    mongodbUri: raw.MONGODB_URI || null,
    redisUrl: raw.REDIS_URL || null,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    nodeEnv,
    isProduction,
    publicUrl: raw.PUBLIC_URL ? raw.PUBLIC_URL.replace(/\/+$/, '') : null,
    demoPassword: raw.DEMO_PASSWORD,
    testClock,
    logLevel: raw.LOG_LEVEL as Config['logLevel'],
    appSecret: raw.APP_SECRET,
    appSecretPrevious: raw.APP_SECRET_PREVIOUS ? raw.APP_SECRET_PREVIOUS.split(',') : [],
    sessionTtlHours: Number(raw.SESSION_TTL_HOURS),
    sessionCacheMs: Number(raw.SESSION_CACHE_MS),
    corsOrigins: raw.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    loginMaxFailures: Number(raw.LOGIN_MAX_FAILURES),
    loginLockMinutes: Number(raw.LOGIN_LOCK_MINUTES),
    loginIpMaxFailures: Number(raw.LOGIN_IP_MAX_FAILURES),
    loginIpWindowMinutes: Number(raw.LOGIN_IP_WINDOW_MINUTES),
    bodyLimit: raw.BODY_LIMIT.replace(/\s+/g, '').toLowerCase(),
    trustProxy: parseTrustProxy(raw.TRUST_PROXY),
    cookieSecure: raw.COOKIE_SECURE === '' ? isProduction : raw.COOKIE_SECURE === '1' || raw.COOKIE_SECURE === 'true',
    passwordScryptLogN: Number(raw.PASSWORD_SCRYPT_LOG_N),
    schedulerLeaseMs: Number(raw.SCHEDULER_LEASE_MS),
    schedulerPollMs: Number(raw.SCHEDULER_POLL_MS),
    schedulerBatch: Number(raw.SCHEDULER_BATCH),
    webhookTimeoutMs: Number(raw.WEBHOOK_TIMEOUT_MS),
    webhookLeaseMs: Number(raw.WEBHOOK_LEASE_MS),
    webhookAllowPrivate: raw.WEBHOOK_ALLOW_PRIVATE === '1' || raw.WEBHOOK_ALLOW_PRIVATE === 'true',
    uploadMaxRows: Number(raw.UPLOAD_MAX_ROWS),
    uploadMaxUncompressedBytes: bytes(raw.UPLOAD_MAX_UNCOMPRESSED),
    uploadParseTimeoutMs: Number(raw.UPLOAD_PARSE_TIMEOUT_MS),
    uploadParseWorkers: Number(raw.UPLOAD_PARSE_WORKERS),
    idempotencyTtlHours: Number(raw.IDEMPOTENCY_TTL_HOURS),
    backupDir: raw.BACKUP_DIR || `${raw.DATA_DIR.replace(/\/+$/, '')}/backups`,
    backupEveryHours: Number(raw.BACKUP_EVERY_HOURS),
    backupKeep: Number(raw.BACKUP_KEEP),
    sqliteWriterThread: raw.SQLITE_WRITER_THREAD === 'on',
    recordCacheSize: Number(raw.RECORD_CACHE_SIZE),
  };
  config.corsOrigins = Object.freeze(config.corsOrigins) as string[];
  return Object.freeze(config);
}

/** "30mb" → bytes (the notation of BODY_LIMIT) */
function bytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)$/i.exec(size)!;
  return Math.round(Number(m[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[m[2].toLowerCase() as 'b' | 'kb' | 'mb']);
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

function oneLine(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

/** For command-line entry points (`npm start`, the scripts): the configuration, or one clear line on
 * stderr and the exit status given when it is wrong — never a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv, exitCode: number): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(exitCode);
    }
    throw err;
  }
}
