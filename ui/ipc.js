// The one door to Rust: wraps Tauri's invoke and turns an error `{code, message}` into a
// RosterError the views can branch on by code (never by message text).

export class RosterError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'RosterError';
    this.code = code;
  }

  /** The rules refused a change, or the input was wrong: nothing was written. */
  get refused() {
    return !['locked', 'wrong_passphrase', 'offline', 'io_error', 'interrupted', 'internal'].includes(this.code);
  }
}

function tauriInvoke() {
  const invoke = window.__TAURI__?.core?.invoke;
  if (!invoke) {
    throw new RosterError('internal', 'Roster must run inside its desktop app.');
  }
  return invoke;
}

// The timeline is kept to the latest few hundred commands: the heartbeat alone adds one
// every two seconds, for as long as the window is open.
const MEASURES_KEPT = 500;
let measured = 0;

/** Calls command `name` with `args`; resolves its answer or rejects with a RosterError. */
export async function call(name, args = {}) {
  const started = performance.now();
  try {
    return await tauriInvoke()(name, args);
  } catch (err) {
    if (err instanceof RosterError) throw err;
    if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
      throw new RosterError(err.code, err.message);
    }
    // Tauri's own refusals (a command not granted, a bad argument) arrive as strings.
    throw new RosterError('internal', String(err));
  } finally {
    // Each command's time on the page's timeline (names only, never arguments), for the
    // WebView's inspector and scripts/bench-app.
    if (++measured % MEASURES_KEPT === 0) performance.clearMeasures();
    performance.measure(`ipc ${name}`, { start: started });
  }
}

/** Makes one change (see `Change` in roster-client): `{summary, changed}`. */
export function apply(change) {
  return call('apply', { change });
}

/** A channel a command streams progress on; `onmessage` gets each message. */
export function channel(onmessage) {
  const Channel = window.__TAURI__?.core?.Channel;
  if (!Channel) {
    throw new RosterError('internal', 'Roster must run inside its desktop app.');
  }
  const ch = new Channel();
  ch.onmessage = onmessage;
  return ch;
}
