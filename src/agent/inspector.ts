// The agent's one inspector session, connected on first use and kept for the life of the process.
//
// Why one, and never disconnected: V8 keeps heap object ids (the `@id` that matches objects across
// snapshots) in the isolate's HeapProfiler, and every session teardown disables all of that
// session's agents; V8HeapProfilerAgentImpl::disable() calls HeapProfiler::ClearObjectIds(). So a
// session per CPU profile, or a `HeapProfiler.disable`, renumbers every object and comparisons
// across it match unrelated objects (measured on Node 20: a class's id went from 31851 to 6283
// after a bare connect + disconnect). Hence: connect once, never disconnect, never
// `HeapProfiler.disable`; stop sampling with `stopSampling` only.
//
// An idle connected session costs nothing: the in-process session holds no handle (the process
// exits as it would without it), enables no agent by itself, and is one more session beside the
// user's own (`--inspect`, their own `inspector.Session`s), which V8 supports.
import { Session } from 'node:inspector';

type PostFn = (method: string, params: object, cb: (err: Error | null, result: unknown) => void) => void;

let session: Session | undefined;

/** The process's heapscope session (throws when Node was built without the inspector). */
function connected(): Session {
  if (!session) {
    const s = new Session();
    s.connect();
    session = s;
  }
  return session;
}

/** Sends one DevTools protocol command on the persistent session. */
export function post<T = unknown>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    let s: Session;
    try {
      s = connected();
    } catch (err) {
      reject(err);
      return;
    }
    (s.post as unknown as PostFn).call(s, method, params, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Listens to one protocol notification on the session (e.g. `Debugger.scriptParsed`); returns the remover. */
export function on<P = unknown>(event: string, fn: (params: P) => void): () => void {
  const s = connected();
  const listener = (msg: { params: P }) => fn(msg.params);
  s.on(event, listener);
  return () => {
    s.off(event, listener);
  };
}
