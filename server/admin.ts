// Changing run-time settings as an administrator: the use cases behind PUT /api/admin/settings,
// PUT /api/oversight/settings and the two settings forms of the /admin page, so all of them accept
// the same bodies (one patch schema each, built from server/settings.ts) and audit alike.
import { isoShanghai } from './engine/clock.ts';
import { patchSchema, type PatchableSetting, type RuntimeSettings, type Settings, type SettingsPatch } from './settings.ts';
import type { Store, UserRecord } from './store/port.ts';

interface Deps {
  store: Store;
  settings: Settings;
}

/** Deadlines, routing, the recurrence window, case-number padding and the calendar years (PUT
 * /api/admin/settings: exactly what GET shows, any part of it). */
export const RUNTIME_SETTINGS: readonly PatchableSetting[] = ['deadlines', 'routing', 'recurrenceDays', 'caseNoDigits', 'calendarYears'];
export const runtimeSettingsBody = patchSchema(RUNTIME_SETTINGS);

/** The company warning rules, the satisfied score and the recurrence window (PUT /api/oversight/settings). */
export const OVERSIGHT_SETTINGS: readonly PatchableSetting[] = ['companyRules', 'satisfiedAtLeast', 'recurrenceDays'];
export const oversightSettingsBody = patchSchema(OVERSIGHT_SETTINGS);

/** `patch` validated against runtimeSettingsBody; audited as settings.changed. */
export async function changeRuntimeSettings(deps: Deps, actor: UserRecord, patch: SettingsPatch, ip: string | undefined): Promise<Readonly<RuntimeSettings>> {
  const next = await deps.settings.change(patch);
  await deps.store.audit.append({ at: isoShanghai(new Date()), actor: actor.id, action: 'settings.changed', ip: ip ?? null, detail: { changed: patch } });
  return next;
}

/** `patch` validated against oversightSettingsBody; audited as oversight.settings, without waiting
 * (as the oversight routes' other audit entries: a failed audit write does not undo the change). */
export async function changeOversightSettings(deps: Deps, actor: UserRecord, patch: SettingsPatch, ip: string | undefined): Promise<Readonly<RuntimeSettings>> {
  const next = await deps.settings.change(patch);
  void deps.store.audit.append({ at: isoShanghai(new Date()), actor: actor.id, action: 'oversight.settings', ip: ip ?? null, detail: patch }).catch(() => {});
  return next;
}
