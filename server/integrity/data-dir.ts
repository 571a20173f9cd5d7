// The embedded store's folder: the database, the marker saying a store lives here, and the anchor
// log. A folder that held a store must never quietly become a fresh (demo) one: when the marker or
// the anchor log says a store existed and the database is missing or empty, start-up refuses with
// one line (StoreRefused) instead of creating a new empty database.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syncDirectory } from './anchor-log.ts';

export const DB_FILE = 'mediation.db';
export const MARKER_FILE = 'mediation.store';
export const ANCHOR_FILE = 'mediation.anchors';

export const dataFiles = (dataDir: string) => ({
  db: path.join(dataDir, DB_FILE),
  marker: path.join(dataDir, MARKER_FILE),
  anchors: path.join(dataDir, ANCHOR_FILE),
});

/** The store cannot be opened safely; the message is the one line an operator needs. */
export class StoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreRefused';
  }
}

const sizeOf = (file: string): number | null => (existsSync(file) ? statSync(file).size : null);

/** Throws StoreRefused when the folder held a store whose database is now missing or empty. */
export function checkDataDir(dataDir: string): void {
  const f = dataFiles(dataDir);
  const existed = existsSync(f.marker) ? `the marker ${MARKER_FILE}` : (sizeOf(f.anchors) ?? 0) > 0 ? `the anchor log ${ANCHOR_FILE}` : null;
  if (!existed) return;
  const size = sizeOf(f.db);
  if (size === null || size === 0) {
    throw new StoreRefused(
      `${f.db} is ${size === null ? 'missing' : 'empty (0 bytes)'} but ${dataDir} held a store (${existed}): refusing to start a new one. ` +
        'Put the database back, or restore a backup with `npm run restore <file>`.',
    );
  }
}

/** Marks the folder as holding a store (after the database opened and migrated). */
export function writeMarker(dataDir: string, now = new Date()): void {
  const f = dataFiles(dataDir);
  if (existsSync(f.marker)) return;
  writeFileSync(
    f.marker,
    `${JSON.stringify({ store: 'sqlite', database: DB_FILE, anchors: ANCHOR_FILE, since: now.toISOString(), note: 'a store lives here: never start a fresh one in this folder' })}\n`,
    { flush: true },
  );
  syncDirectory(dataDir);
}
