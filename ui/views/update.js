// Updates from the company server: a quiet check after unlock that shows a banner when a
// newer version is on offer (unless the admin chose "Later" for it), and the update
// dialog: version, notes, download progress, install and restart. The signature is
// checked in Rust against the key built into the app; this view only shows what it says.

import { call, channel } from '../ipc.js';
import { $, h, dialog, errorLine, fill, formatTime } from '../dom.js';

/** After unlock: offer a newer version, quietly. Errors (offline…) wait for the next start. */
export async function checkAtStart(app) {
  if (!app.status?.server) return;
  let found;
  try {
    found = await call('update_check');
  } catch {
    return;
  }
  if (!found.offer || found.offer.postponed) return;
  showBanner(app, found.offer);
}

function showBanner(app, offer) {
  const banner = $('#update-banner');
  fill(banner,
    h('span', {}, `Roster ${offer.version} is available from your company server.`),
    h('button', { class: 'primary', id: 'update-view', onclick: () => openUpdate(app) }, 'See what\u2019s new'),
    h('button', { class: 'ghost', id: 'update-later', onclick: () => later(offer.version) }, 'Later'));
  banner.hidden = false;
}

async function later(version) {
  $('#update-banner').hidden = true;
  await call('update_postpone', { version }).catch(() => {});
}

/** The update dialog: checks now, then offers install and restart. */
export async function openUpdate(app) {
  $('#update-banner').hidden = true;
  await dialog('Update Roster', (close) => {
    const body = h('div', { id: 'update', class: 'stack', 'aria-busy': 'true' },
      h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Asking your company server…'));
    check(body, close, app);
    return body;
  });
}

async function check(body, close, app) {
  let found;
  try {
    found = await call('update_check');
  } catch (err) {
    body.removeAttribute('aria-busy');
    fill(body, errorLine(err), actions(h('button', { onclick: () => close() }, 'Close')));
    return;
  }
  body.removeAttribute('aria-busy');
  const { current, offer } = found;
  if (!offer) {
    fill(body,
      h('p', { id: 'update-current' }, `Roster ${current} is the newest version on your company server.`),
      actions(h('button', { class: 'primary', autofocus: true, onclick: () => close() }, 'Close')));
    return;
  }
  const progress = h('progress', { id: 'update-progress', max: 1, value: 0, hidden: true, 'aria-label': 'Download progress' });
  const stage = h('p', { id: 'update-stage', class: 'muted', role: 'status' });
  const message = h('div', { id: 'update-message' });
  const install = h('button', { class: 'primary', id: 'update-install', autofocus: true }, 'Install and restart');
  const laterButton = h('button', { id: 'update-postpone' }, 'Later');
  install.addEventListener('click', () => run({ offer, current, install, laterButton, progress, stage, message }));
  laterButton.addEventListener('click', async () => {
    await call('update_postpone', { version: offer.version }).catch(() => {});
    close();
  });
  fill(body,
    h('p', { id: 'update-offer' }, h('strong', {}, `Roster ${offer.version}`), ` is available; you have ${current}.`),
    offer.published ? h('p', { class: 'muted' }, `Published ${formatTime(Date.parse(offer.published))}`) : null,
    h('h3', {}, 'What\u2019s new'),
    h('p', { id: 'update-notes', class: 'notes' }, offer.notes || 'No notes came with this version.'),
    offer.installable ? null : h('p', { class: 'muted' },
      'This copy of Roster was not installed from a package: it can check the update\u2019s signature but cannot replace itself.'),
    progress, stage, message,
    actions(laterButton, install));
  app.updateOffered = offer.version;
}

async function run({ offer, current, install, laterButton, progress, stage, message }) {
  install.disabled = true;
  laterButton.disabled = true;
  fill(message);
  progress.hidden = false;
  stage.textContent = 'Downloading…';
  const onProgress = channel((step) => {
    if (step.stage === 'downloading') {
      if (step.total) {
        progress.max = step.total;
        progress.value = step.received;
        stage.textContent = `Downloading… ${Math.floor((100 * step.received) / step.total)}%`;
      } else {
        progress.removeAttribute('value');
      }
    } else if (step.stage === 'verified') {
      progress.value = progress.max;
      stage.textContent = 'Signature verified.';
    } else if (step.stage === 'installing') {
      stage.textContent = `Installing Roster ${offer.version}; it restarts when done…`;
    }
  });
  try {
    // Resolves only if the install stopped short; on success the app restarts.
    await call('update_install', { progress: onProgress });
  } catch (err) {
    progress.hidden = true;
    stage.textContent = `Roster stays at ${current}.`;
    fill(message, errorLine(err));
    laterButton.disabled = false;
  }
}

function actions(...buttons) {
  return h('div', { class: 'actions' }, ...buttons);
}
