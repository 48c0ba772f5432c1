// Removing gone processes (with their snapshots, profiles and reports) after a confirmation.
import type { ProcessView, RemoveProcessResponse } from '../../messages.js';
import { send } from '../api.js';
import { artifacts, reports } from '../state.js';
import { processLabel } from './nav.js';

function historyOf(ids: Set<string>): string {
  const a = [...artifacts.values()].filter((x) => ids.has(x.processId)).length;
  const r = [...reports.values()].filter((x) => ids.has(x.processId)).length;
  return a + r ? ` with ${a} snapshot/profile file${a === 1 ? '' : 's'} and ${r} report${r === 1 ? '' : 's'}` : '';
}

/** Asks, then removes; resolves false when the user said no. Errors reject with the server's reason. */
export async function removeProcesses(list: ProcessView[]): Promise<boolean> {
  const gone = list.filter((p) => !p.live);
  if (gone.length === 0) return false;
  const what = gone.length === 1 ? `${gone[0]!.project} ${processLabel(gone[0]!)}` : `${gone.length} gone processes`;
  if (!confirm(`Remove ${what}${historyOf(new Set(gone.map((p) => p.id)))}? This deletes them from the dashboard's data directory.`)) return false;
  for (const p of gone) await send<RemoveProcessResponse>(`/api/processes/${encodeURIComponent(p.id)}`, {}, 'DELETE');
  return true;
}
