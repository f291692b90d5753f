// The conflicts panel: changes the server (or a pulled change) refused, each with its
// reason; retry decides it again on today's state, discard drops it for good.

import { call } from '../ipc.js';
import { h, fill, dialog, errorLine, formatTime, toast } from '../dom.js';

export function openConflicts(app) {
  return dialog('Conflicts', (close) => {
    const body = h('div', { class: 'stack', id: 'conflicts-panel' });
    async function draw(note = null) {
      const list = await call('conflicts');
      fill(body,
        note,
        list.length === 0 ? h('p', { class: 'empty' }, 'No conflicts: every change you made has landed.') : null,
        h('ul', { class: 'conflicts' }, list.map((c) => h('li', { dataset: { conflict: c.id } },
          h('p', {}, h('strong', {}, c.summary)),
          h('p', { class: 'error' }, c.message),
          h('p', { class: 'muted' }, `${c.origin === 'server' ? 'Refused by the server' : 'Refused after a sync'} · ${formatTime(c.found_at)} · ${c.code}`),
          h('div', { class: 'actions left' },
            h('button', { class: 'primary', onclick: () => act('retry_conflict', c) }, 'Retry'),
            h('button', { class: 'danger', onclick: () => act('discard_conflict', c) }, 'Discard'))))),
        h('div', { class: 'actions' }, h('button', { onclick: () => close() }, 'Close')));
    }
    async function act(command, c) {
      try {
        await call(command, { id: c.id });
        toast(command === 'retry_conflict' ? 'Queued again; it goes out with the next sync.' : 'Discarded.');
        await app.refresh();
        await draw();
      } catch (err) {
        await draw(errorLine(err));
      }
    }
    draw().catch((err) => fill(body, errorLine(err)));
    return body;
  }, { wide: true });
}
