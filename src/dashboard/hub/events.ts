import type { EventEmitter } from 'node:events';
import type { AgentMessage, CommandOptions } from '../../protocol/index.js';
import type { Job } from '../jobs.js';

/** What exporters (the Prometheus endpoint) and automatic captures follow. */
export interface HubEvents {
  /** Every message of a connected agent after its hello. */
  agentMessage: [processId: string, msg: AgentMessage];
  /** A job changed state. */
  job: [job: Job];
}

export type HubEmitter = EventEmitter<HubEvents>;

/** How a job was started when nobody clicked: the leak detector, a signal, the heap-limit watch. */
export interface TriggerExtra {
  options?: CommandOptions;
  source?: Job['source'];
  /** Analyse the snapshot on its own once uploaded (default true; a capture analyses them together). */
  analyze?: boolean;
}
