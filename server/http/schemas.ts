// The case endpoints' schemas live with the use cases (server/cases/schemas.ts), where the pages'
// forms are validated by them too; the routes (and the MongoDB adapter's checks) import them here.
export * from '../cases/schemas.ts';
