// Writes the case statechart as a Mermaid diagram by walking the machine definition itself, so the
// picture in the README cannot drift from the workflow that runs.
import type { CaseMachine } from './case.machine.ts';
import { STATUS_BY_STATE } from './case.machine.ts';

interface TransitionLike {
  eventType: string;
  target?: Array<{ key: string }>;
  guard?: unknown;
}

function guardName(guard: unknown): string {
  if (!guard) return '';
  if (typeof guard === 'string') return guard;
  const g = guard as { type?: string; guards?: unknown[] };
  if (Array.isArray(g.guards)) return g.guards.map(guardName).join(' & ');
  return g.type ?? '';
}

export function mermaid(machine: CaseMachine): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${machine.root.initial?.target[0]?.key ?? 'awaitingAcceptance'}`];
  const seen = new Set<string>();
  for (const [key, node] of Object.entries(machine.root.states)) {
    lines.push(`  ${key}: ${key} (${STATUS_BY_STATE[key] ?? '?'})`);
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions as unknown as TransitionLike[]) {
        const target = t.target?.[0]?.key;
        if (!target || target === key) continue; // self-transitions are listed below each state
        const label = `${key}-${event}-${target}`;
        if (seen.has(label)) continue;
        seen.add(label);
        lines.push(`  ${key} --> ${target}: ${event}${guardName(t.guard) ? ` [${guardName(t.guard)}]` : ''}`);
      }
    }
    const inPlace = [...node.transitions.entries()]
      .filter(([, ts]) => (ts as unknown as TransitionLike[]).some((t) => !t.target?.[0]))
      .map(([e]) => e);
    if (inPlace.length) lines.push(`  note right of ${key}: ${inPlace.join(', ')}`);
  }
  const everywhere = [...machine.root.transitions.keys()];
  if (everywhere.length) lines.push(`  note left of awaitingAcceptance: in every state: ${everywhere.join(', ')}`);
  lines.push('  closed --> [*]');
  return lines.join('\n');
}
