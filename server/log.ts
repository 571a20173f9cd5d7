// The process logger (pino). Logs never carry a full phone or ID number, a password, a token, a
// session cookie or an access code: known fields are redacted or masked by path, and every string
// that reaches a log line goes through maskedText() as a second line of defence.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';
import { maskAddress, maskedText, maskIdNumber, maskPhone } from './privacy/mask.ts';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'passwordHash', 'token', 'accessCode', 'accessCodeHash', 'csrfToken', 'tokenHash', '_csrf'];
const MASKED_KEYS: Record<string, (value: string) => string> = {
  phone: maskPhone,
  idNumber: maskIdNumber,
  address: maskAddress,
};

/** Paths pino redacts before writing (fast, exact); the deep walk below catches the rest. */
export const REDACT_PATHS = [
  ...Object.keys(MASKED_KEYS).flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.parties[*].${k}`, `*.*.parties[*].${k}`]),
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-access-code"]',
  'req.headers["x-csrf-token"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
];

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  const mask = MASKED_KEYS[key];
  if (mask && typeof value === 'string') return mask(value);
  return '[redacted]';
}

/** Copy of a plain object/array with personal data masked and secrets removed; other values as they are. */
export function maskForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskedText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => maskForLog(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // req, res, errors: their serializers handle them
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEYS.includes(key)) out[key] = '[redacted]';
    else if (MASKED_KEYS[key] && typeof v === 'string') out[key] = MASKED_KEYS[key](v);
    else out[key] = maskForLog(v, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: Config['logLevel'];
  /** defaults to stdout */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'wuye-mediation' },
      redact: { paths: REDACT_PATHS, censor },
      formatters: {
        log: (obj) => maskForLog(obj) as Record<string, unknown>,
        bindings: (bindings) => maskForLog(bindings) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskedText(a) : a)) as typeof args;
          method.apply(this, masked);
        },
      },
      serializers: {
        err: (err: Error) => {
          const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
          if (typeof out.message === 'string') out.message = maskedText(out.message);
          if (typeof out.stack === 'string') out.stack = maskedText(out.stack);
          return out;
        },
      },
    },
    options.destination,
  );
}

/** The logger the configuration asks for. */
export function loggerFor(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return createLogger({ level: config.logLevel, destination });
}
