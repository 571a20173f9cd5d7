import { expect } from 'chai';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../server/config.ts';
import { readFileSync } from 'node:fs';

const PROD_SECRET = 'k3J9s8d7f6g5h4j3k2l1z0x9c8v7b6n5m4';

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c).to.include({
      port: 3000,
      dataDir: './data',
      mongodbUri: null,
      redisUrl: null,
      nodeEnv: 'development',
      isProduction: false,
      demoPassword: 'demo-pass-2026',
      testClock: false,
      logLevel: 'info',
      sessionTtlHours: 12,
      loginMaxFailures: 5,
      loginLockMinutes: 15,
      bodyLimit: '100kb',
      trustProxy: false,
      cookieSecure: false,
      sqliteWriterThread: false,
    });
    expect(c.corsOrigins).to.deep.equal([]);
  });

  it('is frozen', () => {
    const c = loadConfig({ CORS_ORIGINS: 'https://a.example' });
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.corsOrigins)).to.equal(true);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '8080',
      DATA_DIR: '/var/lib/wuye',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/wuye',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NODE_ENV: 'test',
      DEMO_PASSWORD: 'another-pass',
      TEST_CLOCK: '1',
      LOG_LEVEL: 'warn',
      SESSION_TTL_HOURS: '2',
      CORS_ORIGINS: 'https://a.example, https://b.example:8443',
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCK_MINUTES: '30',
      BODY_LIMIT: '1MB',
      TRUST_PROXY: '1',
      SQLITE_WRITER_THREAD: 'on',
      RECORD_CACHE_SIZE: '250',
      APP_SECRET_PREVIOUS: 'an-earlier-secret-of-the-office,and-one-before-that-too',
    });
    expect(c).to.include({
      port: 8080,
      dataDir: '/var/lib/wuye',
      mongodbUri: 'mongodb://127.0.0.1:27017/wuye',
      redisUrl: 'redis://127.0.0.1:6379',
      nodeEnv: 'test',
      demoPassword: 'another-pass',
      testClock: true,
      logLevel: 'warn',
      sessionTtlHours: 2,
      loginMaxFailures: 3,
      loginLockMinutes: 30,
      bodyLimit: '1mb',
      trustProxy: 1,
      sqliteWriterThread: true,
      recordCacheSize: 250,
    });
    expect(c.appSecretPrevious).to.deep.equal(['an-earlier-secret-of-the-office', 'and-one-before-that-too']);
    expect(loadConfig({}).appSecretPrevious).to.deep.equal([]);
    expect(c.corsOrigins).to.deep.equal(['https://a.example', 'https://b.example:8443']);
  });

  it('names the variable in a one-line message', () => {
    expect(errorOf({ PORT: 'abc' }).message).to.equal('PORT must be a number between 0 (any free port) and 65535 (got "abc")');
    const cases: Array<[string, string]> = [
      ['PORT', '70000'],
      ['NODE_ENV', 'staging'],
      ['TEST_CLOCK', 'yes'],
      ['LOG_LEVEL', 'loud'],
      ['SESSION_TTL_HOURS', '-1'],
      ['CORS_ORIGINS', '*'],
      ['LOGIN_MAX_FAILURES', '0'],
      ['BODY_LIMIT', 'huge'],
      ['MONGODB_URI', 'postgres://x'],
      ['REDIS_URL', 'localhost:6379'],
      ['SQLITE_WRITER_THREAD', 'yes'],
      ['RECORD_CACHE_SIZE', '-1'],
      ['APP_SECRET_PREVIOUS', 'short'],
    ];
    for (const [name, value] of cases) {
      const { message } = errorOf({ [name]: value });
      expect(message.startsWith(`${name} must be`), message).to.equal(true);
      expect(message).not.to.include('\n');
    }
  });

  it('never echoes a secret in the message', () => {
    const { message } = errorOf({ DEMO_PASSWORD: 'short' });
    expect(message).to.match(/^DEMO_PASSWORD must be/);
    expect(message).not.to.include('short');
    expect(errorOf({ MONGODB_URI: 'mysql://user:hunter2@db' }).message).not.to.include('hunter2');
    const previous = errorOf({ APP_SECRET_PREVIOUS: 'xq-long-enough-former-value,tiny' }).message;
    expect(previous).to.match(/^APP_SECRET_PREVIOUS must be/);
    expect(previous).not.to.include('xq-long').and.not.to.include('tiny');
  });

  describe('in production', () => {
    const PUBLIC_URL = 'https://tiaojie.example.gov.cn';
    it('refuses to start with the default APP_SECRET', () => {
      expect(errorOf({ NODE_ENV: 'production' }).message).to.match(/^APP_SECRET must be/);
      expect(errorOf({ NODE_ENV: 'production', APP_SECRET: 'too-short-secret-123' }).message).to.match(/^APP_SECRET/);
    });

    it('refuses DEMO_PASSWORD set to its default', () => {
      expect(errorOf({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET, DEMO_PASSWORD: 'demo-pass-2026' }).message).to.match(
        /^DEMO_PASSWORD must not be the default/,
      );
    });

    it('refuses TEST_CLOCK=1', () => {
      expect(errorOf({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET, TEST_CLOCK: '1' }).message).to.match(/^TEST_CLOCK must be 0/);
    });

    it('starts with a real secret, and marks the cookie Secure by default', () => {
      const c = loadConfig({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET, PUBLIC_URL });
      expect(c).to.include({ isProduction: true, cookieSecure: true, testClock: false });
      expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET, PUBLIC_URL, COOKIE_SECURE: '0' }).cookieSecure).to.equal(false);
    });
  });

  it('.env.example lists every variable', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(example, name).to.match(new RegExp(`^${name}=`, 'm'));
  });
});
