// `npm run restore <file>`: puts a backup (server/integrity/backup.ts) in place of the embedded store,
// with the service stopped. The backup is checked first (its manifest's sha256, SQLite's quick_check,
// every chain against the anchors copied with it) in a staging file beside the store; only then is
// the current database set aside (never deleted: mediation.db.before-restore-<time>, with its -wal)
// and the copy renamed into place. The current anchor log is set aside too, and tells what the
// restore rolls back: the cases whose acknowledged events came after the backup.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { verifyStore, type ChainReport } from '../engine/verify.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { appendAnchorSync, latestHeads, readAnchors, syncDirectory } from './anchor-log.ts';
import { installFile, sha256File, stampOf, type BackupManifest } from './backup.ts';
import { dataFiles, writeMarker } from './data-dir.ts';

export interface RestoreReport {
  restored: string;
  backupCreatedAt: string | null;
  /** what the current store was renamed to (nothing when there was none) */
  setAside: string[];
  /** cases whose anchored (acknowledged) version is newer than the backup's: those events are rolled back */
  rolledBack: Array<{ caseId: string; anchoredVersion: number; backupVersion: number }>;
  verify: ChainReport;
}

export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

async function verifyFile(file: string, anchorsFile: string | null): Promise<{ report: ChainReport; versions: Map<string, number> }> {
  const store = createSqliteStore({ file });
  await store.init();
  try {
    const check = String(store.pragma('quick_check'));
    if (check !== 'ok') throw new RestoreRefused(`${file} fails SQLite's quick_check: ${check.split('\n')[0]}`);
    const report = await verifyStore(store, { anchors: anchorsFile ? readAnchors(anchorsFile) : null });
    const versions = new Map<string, number>();
    for (let after: string | null = null; ; ) {
      const page = await store.cases.scan(after, 500);
      if (page.length === 0) break;
      for (const r of page) versions.set(r.id, r.version);
      after = page[page.length - 1].id;
    }
    return { report, versions };
  } finally {
    await store.close();
  }
}

export async function restoreBackup(opts: { dataDir: string; backupFile: string; now?: Date }): Promise<RestoreReport> {
  const now = opts.now ?? new Date();
  const backup = path.resolve(opts.backupFile);
  if (!existsSync(backup)) throw new RestoreRefused(`no backup at ${backup}`);
  const base = backup.replace(/\.db$/, '');
  const manifestFile = `${base}.json`;
  const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest) : null;
  if (manifest && (await sha256File(backup)) !== manifest.sha256) {
    throw new RestoreRefused(`${backup} is damaged: its sha256 differs from the one in ${path.basename(manifestFile)}`);
  }
  const backupAnchors = existsSync(`${base}.anchors`) ? `${base}.anchors` : null;

  mkdirSync(opts.dataDir, { recursive: true });
  const files = dataFiles(opts.dataDir);
  const staging = `${files.db}.restoring`;
  for (const s of ['', '-wal', '-shm', '-journal']) rmSync(`${staging}${s}`, { force: true });
  installFile(backup, staging);

  let staged: Awaited<ReturnType<typeof verifyFile>>;
  try {
    staged = await verifyFile(staging, backupAnchors);
    if (!staged.report.ok) {
      const first = staged.report.broken[0];
      throw new RestoreRefused(
        `the backup does not verify (${staged.report.broken.length} broken cases${first ? `, e.g. ${first.caseNo}: ${first.problem}` : ''}${staged.report.anchors?.damagedLines.length ? `, damaged anchor lines ${staged.report.anchors.damagedLines.join(',')}` : ''})`,
      );
    }
  } catch (err) {
    for (const s of ['', '-wal', '-shm', '-journal']) rmSync(`${staging}${s}`, { force: true });
    throw err;
  }

  // what the current anchor log says was acknowledged after the backup
  const rolledBack: RestoreReport['rolledBack'] = [];
  for (const [caseId, a] of latestHeads(readAnchors(files.anchors).lines)) {
    const v = staged.versions.get(caseId) ?? 0;
    if (v < a.version) rolledBack.push({ caseId, anchoredVersion: a.version, backupVersion: v });
  }

  const aside = `before-restore-${stampOf(now)}`;
  const setAside: string[] = [];
  for (const s of ['', '-wal', '-shm']) {
    if (!existsSync(`${files.db}${s}`)) continue;
    renameSync(`${files.db}${s}`, `${files.db}.${aside}${s}`);
    setAside.push(`${files.db}.${aside}${s}`);
  }
  if (existsSync(files.anchors)) {
    renameSync(files.anchors, `${files.anchors}.${aside}`);
    setAside.push(`${files.anchors}.${aside}`);
  }
  renameSync(staging, files.db);
  if (backupAnchors) installFile(backupAnchors, files.anchors);
  appendAnchorSync(
    files.anchors,
    [],
    'restore',
    `restored from ${path.basename(backup)}${manifest ? ` (taken ${manifest.createdAt})` : ''}; the anchors from before the restore: ${path.basename(files.anchors)}.${aside}`,
    now,
  );
  syncDirectory(opts.dataDir);
  writeMarker(opts.dataDir, now);

  const after = await verifyFile(files.db, files.anchors);
  return { restored: backup, backupCreatedAt: manifest?.createdAt ?? null, setAside, rolledBack, verify: after.report };
}
