// A real webhook receiver on loopback for the tests: records every request, verifies it with the
// standardwebhooks library's own verifier, applies each webhook-id's effect once, and can be told to
// fail (500) or hang (no answer) on the next requests.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  body: any;
  raw: string;
  verified: boolean;
  answered: number | 'hung';
}

export class Receiver {
  readonly requests: Received[] = [];
  /** webhook-id → times its effect was applied (exactly once is the goal) */
  readonly effects = new Map<string, number>();
  /** effects in the order they were applied */
  readonly applied: any[] = [];
  secret = '';
  private plan: Array<'fail' | 'hang'> = [];
  private server: Server;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private hung: Array<() => void> = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async close(): Promise<void> {
    for (const release of this.hung.splice(0)) release();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** the next requests fail or hang, in this order; after them, requests succeed */
  next(...plan: Array<'fail' | 'hang'>): void {
    this.plan.push(...plan);
  }

  /** resolves once `n` requests have arrived (answered or not) */
  async untilRequests(n: number, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (this.requests.length < n) {
      if (Date.now() > end) throw new Error(`only ${this.requests.length} of ${n} webhook requests after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** resolves once `n` effects have been applied (or rejects after `ms`) */
  untilApplied(n: number, ms = 30_000): Promise<void> {
    if (this.applied.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.applied.length} of ${n} webhooks applied after ${ms} ms`)), ms);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id'] ?? '');
    let verified = false;
    let body: any = null;
    try {
      body = new Webhook(this.secret).verify(raw, {
        'webhook-id': id,
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      });
      verified = true;
    } catch {
      body = safeJson(raw);
    }
    const step = this.plan.shift();
    if (step === 'hang') {
      this.requests.push({ id, body, raw, verified, answered: 'hung' });
      this.hung.push(() => res.destroy());
      return;
    }
    const status = !verified ? 401 : step === 'fail' ? 500 : 204;
    this.requests.push({ id, body, raw, verified, answered: status });
    if (status === 204 && !this.effects.has(id)) this.applied.push(body);
    if (status === 204) this.effects.set(id, (this.effects.get(id) ?? 0) + 1);
    res.statusCode = status;
    res.end();
    this.waiters = this.waiters.filter((w) => (this.applied.length >= w.n ? (w.resolve(), false) : true));
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
