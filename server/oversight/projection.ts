// The oversight layer as the engine sees it (server/engine/engine.ts OversightProjection): given to the
// engine by the wiring, so that the engine, below this layer, never imports it.
import type { OversightProjection } from '../engine/engine.ts';
import { projectOversight, type FactsLookup } from './facts.ts';
import { findRelatedCases } from './recurrence.ts';

export const oversightProjection: OversightProjection = {
  project: projectOversight,
  relatedCases: findRelatedCases,
};

/** The projection with the names of the mediators looked up (the wiring passes the directory). */
export function oversightProjectionWith(lookup: FactsLookup): OversightProjection {
  return {
    project: (record, event, prev, calendar) => projectOversight(record, event, prev, calendar, undefined, lookup),
    relatedCases: findRelatedCases,
  };
}
