// The JSON text a store has just written a case record as, remembered for that record object, so that
// what hashes the same record again right after the commit (the anchor log's record digest,
// server/integrity/anchor-log.ts) need not stringify it a second time (issue 17: about 2 % of an event
// request). Kept in a WeakMap: the text lives exactly as long as the record object; records are never
// changed in place once built (the engine makes each new one as a copy), so the text stays the record's.
import type { CaseRecord } from './port.ts';

const texts = new WeakMap<CaseRecord, string>();

/** `text` must be `JSON.stringify(record)` (what the SQLite adapter writes as the row's document). */
export function rememberText(record: CaseRecord, text: string): void {
  texts.set(record, text);
}

/** The text the record was written as, when a store said so. */
export function writtenText(record: CaseRecord): string | undefined {
  return texts.get(record);
}
