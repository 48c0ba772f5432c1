// What the dashboard server and its browser UI say to each other, typed once for both sides:
// the /ws/ui push messages (server -> browser) and the JSON bodies of the browser's API calls.
// Types only: the UI bundle imports this file without pulling in any server code.
import type { SnapshotForecast } from '../protocol/index.js';
import type { ArtifactMeta, ProcessMeta, ReportMeta } from './store.js';
import type { Job } from './jobs.js';
import type { Sample } from './metrics.js';
import type { Finding, ProjectSettings } from './findings.js';

export type { ArtifactMeta, Job, ProcessMeta, ReportMeta, Sample, Finding, ProjectSettings, SnapshotForecast };

/** A process as the browser sees it: what the dashboard remembers plus whether it is connected now. */
export interface ProcessView extends ProcessMeta {
  live: boolean;
  last?: Sample;
  /** The agent's latest prediction for MEM, with the last snapshot's measured cost. */
  snapshotForecast?: SnapshotForecast;
}

/** Everything a browser needs to draw any page; sent once per connection, then changes follow. */
export interface DashboardState {
  processes: ProcessView[];
  jobs: Job[];
  artifacts: ArtifactMeta[];
  reports: ReportMeta[];
  findings: Finding[];
  settings: Record<string, ProjectSettings>;
}

// ---------------------------------------------------------------- server -> browser (/ws/ui)

export type ServerMessage =
  | ({ type: 'state' } & DashboardState)
  | { type: 'process'; process: ProcessView }
  /** A gone process was removed with its history (DELETE /api/processes/:id). */
  | { type: 'processRemoved'; processId: string; artifactIds: string[]; reportIds: string[] }
  | { type: 'metrics'; processId: string; sample: Sample; snapshotForecast?: SnapshotForecast }
  | { type: 'job'; job: Job }
  | { type: 'artifact'; artifact: ArtifactMeta }
  | { type: 'report'; report: ReportMeta }
  | { type: 'finding'; finding: Finding }
  | { type: 'settings'; project: string; settings: ProjectSettings }
  /** Deleted by retention or by a user (of this or another dashboard of the fleet). */
  | { type: 'artifactDeleted'; id: string }
  | { type: 'reportDeleted'; id: string };

// ---------------------------------------------------------------- browser -> server (HTTP API)
// The browser sends nothing over /ws/ui; it acts through these JSON bodies.

/** POST /api/processes/:id/actions -> 202 Job */
export interface ActionRequest {
  action: string;
  /** Profile length for cpuProfile / samplingHeapProfile. */
  seconds?: number;
}

/** POST /api/compare -> 202 Job */
export interface CompareRequest {
  artifactIds: string[];
}

/** PUT /api/projects/:name/settings -> ProjectSettings */
export interface SettingsRequest {
  autoCapture: boolean;
}

/** DELETE /api/processes/:id -> what went with the process. */
export interface RemoveProcessResponse {
  processId: string;
  artifactIds: string[];
  reportIds: string[];
}

/** GET /api/overview -> one per known process, for the home page's trend sparklines. */
export interface OverviewEntry {
  processId: string;
  /** Lowest heap used per minute over the last hour, [epoch ms, bytes] (trend.ts). */
  heap: [number, number][];
}

/** Any 4xx/5xx answer. */
export interface ApiError {
  error: string;
}
