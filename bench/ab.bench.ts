// npm run bench:ab -- <checkoutA> <checkoutB> [rounds=8] [seconds=5] [rate=1000]
//
// Two versions of the product compared on this machine, which swings too much from one minute to the
// next for two benchmark runs taken one after the other to say which is faster. Each checkout's
// `bench/api.bench.ts --serve` serves the product (embedded store in a temp folder, request logging
// off); both get the same 200 accepted cases; then they are driven alternately — A then B, B then A —
// with the paced open-loop client of `bench:api` (latency from each request's scheduled time) for
// `seconds` per round. Per round and as medians: p50 and p99, the serving process's event-loop
// utilization and CPU per event, the group commit's mean size, commit and anchor times; and in how many
// rounds B was lower. A checkout is a directory with node_modules (e.g. `git worktree add --detach
// ../b <commit>` and a symlink to this one's node_modules).
//
// Environment: ENV_A / ENV_B ("KEY=value,KEY=value", e.g. ENV_B=SQLITE_WRITER_THREAD=on with the same
// checkout twice) are added to that server's environment. --json prints one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { paced } from './engine-district.ts';
import { mediatorWithCases, post, sessionEvent } from './api-client.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const JSON_OUT = process.argv.includes('--json');
const [dirA, dirB] = args;
const ROUNDS = Number(args[2] ?? 8);
const SECONDS = Number(args[3] ?? 5);
const RATE = Number(args[4] ?? 1000);
const say = (s: string) => (JSON_OUT ? process.stderr : process.stdout).write(`${s}\n`);

type Name = 'A' | 'B';
interface Round {
  p50: number;
  p99: number;
  errors: number;
  elu: number;
  cpuUsPerEvent: number;
  groupSize: number;
  anchorMs: number;
  commitMs: number;
}

function envOf(name: Name): Record<string, string> {
  const pairs = (process.env[`ENV_${name}`] ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

async function start(dir: string, name: Name): Promise<{ child: ChildProcess; product: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, 'bench/api.bench.ts'), '--serve'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...envOf(name) },
  });
  const product = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${name}: the server did not start within 60 s`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { product: string }).product);
      }
    });
    child.once('exit', (code) => reject(new Error(`${name}: the server exited (${code})`)));
  });
  return { child, product };
}

/** Sends `ask` to the serving child and resolves with its answer: the message equal to `answer`, or
 * the value under the key `answer` of an object message. */
function ask(child: ChildProcess, msg: string, answer: string, keyed = false): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const hit = keyed ? typeof m === 'object' && m !== null && answer in m : m === answer;
      if (!hit) return;
      child.off('message', on);
      resolve(keyed ? (m as Record<string, unknown>)[answer] : m);
    };
    child.on('message', on);
    child.send(msg);
  });
}

async function serveAndPrepare(dir: string, name: Name) {
  const { child, product } = await start(dir, name);
  const { token, ids } = await mediatorWithCases(product, 200);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const base = new URL(product);
  let m = 0;
  const run = async (rate: number, seconds: number): Promise<Round> => {
    await ask(child, 'loop-start', 'loop-started');
    const r = await paced(rate, seconds, () => post(agent, base, `/api/cases/${ids[m++ % ids.length]}/events`, token, sessionEvent(m)));
    const loop = await ask(child, 'loop-stop', 'loop', true);
    return {
      p50: r.p50,
      p99: r.p99,
      errors: r.errors,
      elu: loop.elu,
      cpuUsPerEvent: loop.cpuUs / (rate * seconds),
      groupSize: loop.groups.meanSize,
      anchorMs: loop.groups.anchorMeanMs,
      commitMs: loop.groups.commitMeanMs,
    };
  };
  const stop = () => {
    agent.destroy();
    child.kill();
  };
  return { run, stop };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  if (!dirA || !dirB) {
    process.stderr.write('usage: npm run bench:ab -- <checkoutA> <checkoutB> [rounds] [seconds] [rate]\n');
    process.exit(2);
  }
  say(`A/B at a paced ${RATE}/s, ${ROUNDS} rounds of ${SECONDS} s, alternating: A = ${dirA}, B = ${dirB}`);
  const servers = { A: await serveAndPrepare(dirA, 'A'), B: await serveAndPrepare(dirB, 'B') };
  try {
    // warm both (sockets, JIT) before anything is counted
    await servers.A.run(500, 2);
    await servers.B.run(500, 2);
    const rounds: Record<Name, Round[]> = { A: [], B: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of (r % 2 ? ['B', 'A'] : ['A', 'B']) as Name[]) {
        const x = await servers[name].run(RATE, SECONDS);
        rounds[name].push(x);
        say(`  round ${r + 1} ${name}: p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms, loop busy ${x.elu.toFixed(2)}, CPU ${x.cpuUsPerEvent.toFixed(0)} µs/event, groups of ${x.groupSize.toFixed(2)}, anchor ${x.anchorMs.toFixed(2)} ms, errors ${x.errors}`);
      }
    }
    const keys = ['p50', 'p99', 'elu', 'cpuUsPerEvent', 'groupSize', 'anchorMs', 'commitMs', 'errors'] as const;
    const summary = Object.fromEntries(
      keys.map((k) => {
        const a = rounds.A.map((x) => x[k]);
        const b = rounds.B.map((x) => x[k]);
        return [k, { medianA: median(a), medianB: median(b), bLowerIn: b.filter((v, i) => v < a[i]).length }];
      }),
    );
    for (const [k, v] of Object.entries(summary)) say(`${k.padEnd(14)} A ${v.medianA.toFixed(3)}  B ${v.medianB.toFixed(3)}  B lower in ${v.bLowerIn} of ${ROUNDS}`);
    if (JSON_OUT) process.stdout.write(`${JSON.stringify({ bench: 'ab', rate: RATE, rounds: ROUNDS, seconds: SECONDS, summary, perRound: rounds })}\n`);
  } finally {
    servers.A.stop();
    servers.B.stop();
  }
  process.exit(0);
}

await main();
