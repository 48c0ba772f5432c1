// The dashboard's errors are coded errors (shared/errors.ts), as the engine's and the agent's are:
// a program tells them apart by `code`, and a refusal keeps its HTTP status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CodedError } from '../../src/shared/index.js';
import { HubError } from '../../src/dashboard/hub/index.js';
import { checkBind, DashboardConfigError } from '../../src/dashboard/server.js';

test('a refusal is a CodedError named after its HTTP status, and keeps the status', () => {
  const e = new HubError(404, 'no such report');
  assert.ok(e instanceof CodedError);
  assert.deepEqual([e.name, e.code, e.status, e.message], ['HubError', 'NOT_FOUND', 404, 'no such report']);
  assert.equal(new HubError(413, 'too big').code, 'TOO_LARGE');
  assert.equal(new HubError(418, 'odd').code, 'HTTP_ERROR', 'a status without a name still has a code');
});

test('a configuration the dashboard refuses to start with is a CodedError', () => {
  assert.throws(
    () => checkBind('0.0.0.0', undefined),
    (e: unknown) => e instanceof DashboardConfigError && e instanceof CodedError && e.code === 'BAD_CONFIG' && /without a token/.test(e.message),
  );
});
