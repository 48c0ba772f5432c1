// The dashboard for the CLI's commands. Its web server (server.ts, with fastify) is imported
// lazily by the commands that serve it, so that the others start without it.
export type { Dashboard } from './server.js';
export { apiCall, hostForUrl, probe, type Health } from './client.js';
export { type RetentionConfig } from './retention.js';
export { parseNonNegative } from './limits.js';
export { agentEnv, ensureDashboard } from './launch.js';
export type { Job } from './jobs.js';
