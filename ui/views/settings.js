// Settings of this device: the idle lock.

import { call } from '../ipc.js';
import { h, dialog, errorLine, fill, toast } from '../dom.js';

export async function openSettings(app) {
  const overview = await call('overview');
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
    message,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button', { class: 'primary' }, 'Save')));
    return form;
  });
}
