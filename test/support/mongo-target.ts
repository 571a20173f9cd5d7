// `npm run test:mongo` runs the HTTP and live-updates suites with the app on MongoDB (FerretDB in CI):
// scripts/test-mongo.sh sets TEST_MONGODB_URI, and each product or harness then takes a database of
// its own on that server (the server's whole PostgreSQL database is dropped after the run).
import { createHash } from 'node:crypto';
import { scratchDbName } from '../../server/store/mongo/index.ts';

/** A MongoDB URI naming a fresh database, or null when the suites run on the embedded store. Given a
 * data folder, the database is named after it, so that a product restarted on the same folder finds
 * its data again, as it would on the embedded store. */
export function testMongoUri(prefix: string, dataDir?: string): string | null {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) return null;
  const url = new URL(base);
  url.pathname = `/${dataDir ? `${prefix}_${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}` : scratchDbName(prefix)}`;
  return url.toString();
}

/** Skips a test that reaches below the port into the embedded store's file, with the reason. */
export function embeddedOnly(ctx: Mocha.Context): void {
  if (process.env.TEST_MONGODB_URI) {
    console.log('      (skipped on MongoDB: this test edits the embedded store\'s SQLite file directly)');
    ctx.skip();
  }
}
