// What the engine needs to know about the organisation and its people, held in memory (the tree and
// the staff list are small) and reloaded from the store when they change. The Directory IS the
// organisation (server/org.ts) — rebuilt on every refresh — plus the staff list.
import type { MediatorProfile } from '../../workflows/routing.ts';
import { Org } from '../org.ts';
import type { Store, UserRecord } from '../store/port.ts';

export class Directory extends Org {
  private users = new Map<string, UserRecord>();

  constructor(private readonly store: Store) {
    super();
  }

  async refresh(): Promise<this> {
    const [units, bodies, users] = await Promise.all([this.store.org.units(), this.store.org.bodies(), this.store.users.list()]);
    this.load(units, bodies);
    this.users = new Map(users.map((u) => [u.id, u]));
    return this;
  }

  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  mediatorProfile(id: string): MediatorProfile | null {
    const u = this.users.get(id);
    if (!u) return null;
    return { id: u.id, name: u.name, ...u.profile };
  }
}
