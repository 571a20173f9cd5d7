// The oversight layer as the engine sees it (server/engine/engine.ts OversightProjection): given to the
// engine by the wiring, so that the engine, below this layer, never imports it. The recurrence look-up at
// intake reads the projection, so it first waits for the projector to catch up (projector.ts).
import type { OversightProjection } from '../engine/engine.ts';
import { projectionCaughtUp } from './projector.ts';
import { findRelatedCases } from './recurrence.ts';

export const oversightProjection: OversightProjection = {
  async relatedCases(store, probe) {
    await projectionCaughtUp(store);
    return findRelatedCases(store, probe);
  },
};

