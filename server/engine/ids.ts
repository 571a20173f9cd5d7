// Ids of the rows every event inserts (outbox entries, deadline timers): UUID version 7 (RFC 9562),
// which begins with the time in milliseconds, so each new id lands at the end of its unique index
// rather than on a random page of it (issue 17: a random UUID wrote one more 4 KB index page to the
// WAL for every row). The rest of it is random, so ids stay unguessable and unique across instances.
// From the `uuid` package (node:crypto has only version 4).
import { v7 } from 'uuid';

export const rowId = (): string => v7();
