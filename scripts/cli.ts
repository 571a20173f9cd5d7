// What the store scripts share: the command line of `npm run export` and `npm run import` (a file, the
// store kind — the one the app would use, MongoDB when MONGODB_URI is set, unless given — and where that
// store is), and how a script runs its main.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import type { SideSpec } from '../server/store/transfer.ts';

/** Parses `--<fileFlag> FILE [--<kindFlag> sqlite|mongo] [--data-dir DIR] [--uri URI] [--db NAME]`;
 * prints `usage` and returns null when it does not fit. */
export function sideArgs(fileFlag: 'in' | 'out', kindFlag: 'from' | 'to', usage: string): { file: string; spec: SideSpec } | null {
  const { values } = parseArgs({
    options: {
      [fileFlag]: { type: 'string' },
      [kindFlag]: { type: 'string' },
      'data-dir': { type: 'string' },
      uri: { type: 'string' },
      db: { type: 'string' },
    },
    strict: true,
  });
  const file = values[fileFlag] as string | undefined;
  const kindArg = values[kindFlag] as string | undefined;
  if (!file || (kindArg && !['sqlite', 'mongo'].includes(kindArg))) {
    console.error(usage);
    return null;
  }
  const config = loadConfig(process.env);
  const uri = values.uri as string | undefined;
  const kind = (kindArg ?? (uri || config.mongodbUri ? 'mongo' : 'sqlite')) as 'sqlite' | 'mongo';
  return {
    file,
    spec: { kind, dataDir: (values['data-dir'] as string | undefined) ?? config.dataDir, uri: uri ?? config.mongodbUri ?? undefined, dbName: values.db as string | undefined },
  };
}

/** Runs a script's main and exits with its status; an error is printed as one line, prefixed with
 * the script's name (status 1). */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
