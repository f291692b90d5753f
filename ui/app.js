// The window's shell: shows the gate (first run, unlock) or the workspace, routes between
// views by the URL hash, keeps the header current and handles global keys.

import { call } from './ipc.js';
import { $, h, fill, toast, clearToasts, formatAgo } from './dom.js';
import { showGate } from './views/gate.js';
import * as team from './views/team.js';

// The gate and the team list are what a start shows; every other view is fetched when it is
// first opened, so the window is interactive sooner.
const views = {
  team: async () => team,
  infras: () => import('./views/infras.js'),
  apps: () => import('./views/apps.js'),
  matrix: () => import('./views/matrix.js'),
  audit: () => import('./views/audit.js'),
};
const openConflicts = async (app) => (await import('./views/conflicts.js')).openConflicts(app);
const openSettings = async (app) => (await import('./views/settings.js')).openSettings(app);
const checkAtStart = async (app) => (await import('./views/update.js')).checkAtStart(app);
const HEARTBEAT_MS = 2000;

const app = {
  status: null,
  unlocked: false,
  /** Re-reads the status and redraws the header; views call it after a change. */
  async refresh() {
    this.status = await call('status');
    drawHeader();
  },
};

async function enter(status) {
  app.status = status;
  app.unlocked = true;
  $('#gate').hidden = true;
  $('#shell').hidden = false;
  drawHeader();
  await route();
  checkAtStart(app);
}

async function leave() {
  app.unlocked = false;
  app.status = null;
  for (const open of document.querySelectorAll('dialog')) open.remove();
  $('#update-banner').hidden = true;
  $('#shell').hidden = true;
  fill($('#view'));
  await showGate($('#gate'), enter);
}

async function route() {
  if (!app.unlocked) return;
  const name = location.hash.replace('#', '') || 'team';
  const load = views[name] ?? views.team;
  for (const link of document.querySelectorAll('#topbar nav a')) {
    link.toggleAttribute('aria-current', link.dataset.view === name);
  }
  try {
    const view = await load();
    await view.show($('#view'), app);
  } catch (err) {
    handleError(err);
  }
}

let lastSync = null;

function drawHeader() {
  const s = app.status;
  if (!s) return;
  $('#company').textContent = s.company;
  const bar = $('#syncbar');
  const parts = [];
  if (s.server) {
    const online = lastSync?.online;
    const state = lastSync?.running ? 'syncing' : online === false ? 'offline' : online ? 'online' : 'unknown';
    const label = { syncing: lastSync?.running, offline: 'Offline', online: 'Online', unknown: 'Not synced yet' }[state];
    parts.push(h('span', { class: `conn ${state}`, title: lastSync?.last_error?.message ?? s.server }, label));
    parts.push(h('span', { class: 'muted', id: 'last-sync', title: 'Last sync' },
      s.last_sync ? `synced ${formatAgo(s.last_sync)}` : 'never synced'));
  } else {
    parts.push(h('span', { class: 'conn local', title: 'This workspace is not bound to a company server.' }, 'Local workspace'));
  }
  parts.push(h('span', { class: 'pill', id: 'pending', title: 'Changes waiting for the server' },
    `${s.pending_changes} pending`));
  parts.push(h('button', {
    id: 'conflicts-badge',
    class: s.conflicts > 0 ? 'badge alert' : 'badge',
    'aria-label': `${s.conflicts} conflicts`,
    onclick: () => openConflicts(app),
  }, `${s.conflicts} conflicts`));
  if (s.server) {
    parts.push(h('button', { id: 'sync-button', onclick: syncNow, disabled: Boolean(lastSync?.running) }, 'Sync now'));
  }
  fill(bar, parts);
}

async function syncNow() {
  try {
    const report = await call('sync_now');
    toast(`Synced: ${report.applied} applied, ${report.pulled} pulled${report.conflicts ? `, ${report.conflicts} new conflicts` : ''}.`,
      'info', { topic: 'sync' });
  } catch (err) {
    if (err?.code === 'locked') handleError(err);
    else toast(err?.message ?? String(err), 'error', { topic: 'sync' });
  }
  await app.refresh().catch(() => {});
  await route();
}

/** Shows an error; a locked workspace goes back to the gate. */
export function handleError(err) {
  if (err?.code === 'locked') {
    leave();
    return;
  }
  toast(err?.message ?? String(err), 'error');
}
app.handleError = handleError;

async function heartbeat() {
  if (!app.unlocked) return;
  try {
    const beat = await call('heartbeat');
    if (!beat.unlocked) {
      toast('The workspace locked after the idle time you set.');
      await leave();
      return;
    }
    const finished = lastSync?.running && !beat.sync.running;
    lastSync = beat.sync;
    if (finished && !beat.sync.last_error) clearToasts('sync');
    if (finished) {
      await app.refresh();
      await route();
    } else {
      drawHeader();
    }
  } catch {
    // The next beat tries again.
  }
}

let lastTouch = 0;
function noteActivity() {
  const now = Date.now();
  if (app.unlocked && now - lastTouch > 20000) {
    lastTouch = now;
    call('touch').catch(() => {});
  }
}

function onKey(event) {
  noteActivity();
  const typing = event.target.closest('input, textarea, select, [contenteditable]');
  if (event.key === 'Escape' || typing || !app.unlocked || document.querySelector('dialog[open]')) return;
  if (event.key === '/') {
    event.preventDefault();
    if (location.hash && location.hash !== '#team') location.hash = '#team';
    setTimeout(() => $('#search')?.focus(), 0);
  } else if (event.key === 'n') {
    event.preventDefault();
    team.openInvite(app);
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('keydown', onKey);
window.addEventListener('pointerdown', noteActivity);
$('#lock-button').addEventListener('click', async () => {
  await call('lock');
  await leave();
});
$('#settings-button').addEventListener('click', () => openSettings(app));
setInterval(heartbeat, HEARTBEAT_MS);

(async () => {
  try {
    const beat = await call('heartbeat');
    if (beat.unlocked) {
      lastSync = beat.sync;
      await enter(await call('status'));
      return;
    }
  } catch (err) {
    // `locked`: an early open did not work out; the gate offers it again and says why.
    if (err?.code !== 'locked') toast(err.message, 'error');
  }
  await leave();
})();
