// The HTTP client side shared by `bench:api` and `bench:ab`: JSON requests, the lean event POST on a
// keep-alive agent, and the set-up both give the product they drive (a mediator's token, accepted cases).
import http from 'node:http';
import { acceptData } from '../test/support/workflow.ts';

/** the demo accounts' password in the benchmarks' serving process (DEMO_PASSWORD) */
export const BENCH_PASSWORD = 'demo-pass-2026';

export async function json(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? 'POST'} ${url} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** One POST on a keep-alive agent; rejects on a network error or a status other than 2xx. */
export function post(agent: http.Agent, url: URL, path: string, token: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}`, prefer: 'return=minimal' },
      },
      (res) => {
        res.resume();
        res.once('end', () => (res.statusCode! >= 200 && res.statusCode! < 300 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** Signs in the community mediator med.c1 and registers and accepts `count` cases in their compound. */
export async function mediatorWithCases(product: string, count: number): Promise<{ token: string; ids: string[] }> {
  const { token } = await json(`${product}/api/auth/login`, { body: { username: 'med.c1', password: BENCH_PASSWORD } });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { case: c } = await json(`${product}/api/cases`, {
      token,
      body: {
        channel: 'walk_in',
        compoundId: 'ou-k1-1-1',
        category: 'leakage',
        summary: `楼上漏水（压测 ${i}）`,
        parties: [
          { role: 'applicant', kind: 'person', name: '张三', phone: '13812345678' },
          { role: 'respondent', kind: 'person', name: '李四' },
        ],
      },
    });
    await json(`${product}/api/cases/${c.id}/events`, { token, body: { type: 'ACCEPT', data: acceptData(c.parties) } });
    ids.push(c.id);
  }
  return { token, ids };
}

/** The event body the benchmarks send: a recorded session (the commonest event on a case in mediation). */
export const sessionEvent = (n: number): string => JSON.stringify({ type: 'RECORD_SESSION', data: { summary: `第${n}次调解记录：双方陈述意见` } });
