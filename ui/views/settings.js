// Settings of this device: the idle lock, and the version with its update check.

import { call } from '../ipc.js';
import { h, dialog, errorLine, fill, toast } from '../dom.js';
import { openUpdate } from './update.js';

export async function openSettings(app) {
  const [overview, version] = await Promise.all([call('overview'), call('app_version')]);
  await dialog('Settings', (close) => {
    const minutes = h('input', { id: 'idle-minutes', type: 'number', min: 0, max: 1440, value: overview.settings.idle_lock_minutes, autofocus: true });
    const message = h('div');
    const form = h('form', {
      class: 'stack',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await call('save_settings', { settings: { idle_lock_minutes: Number(minutes.value) } });
          toast('Settings saved.');
          close();
        } catch (err) {
          fill(message, errorLine(err));
        }
      },
    },
    h('label', { for: 'idle-minutes' }, 'Lock after this many minutes without use (0: never)'), minutes,
    h('p', { class: 'muted' }, `Workspace: ${app.status?.workspace ?? ''}`),
    h('h3', {}, 'Updates'),
    h('p', { id: 'app-version' }, `Roster ${version}`),
    app.status?.server
      ? h('button', { type: 'button', id: 'check-updates', onclick: () => { close(); openUpdate(app); } }, 'Check for updates')
      : h('p', { class: 'muted' }, 'Updates come from your company server; this workspace is not connected to one.'),
    message,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button', { class: 'primary' }, 'Save')));
    return form;
  });
}
