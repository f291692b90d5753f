// Apps & roles: the company's apps with their end-user roles; add an app or a role.

import { call, apply } from '../ipc.js';
import { h, fill, toast } from '../dom.js';
import { form } from './infras.js';

export async function show(root, app) {
  const apps = await call('apps');
  const run = async (change) => {
    try {
      toast((await apply(change)).summary);
      await app.refresh();
      await show(root, app);
    } catch (err) {
      app.handleError(err);
    }
  };
  fill(root, h('section', { class: 'page' },
    h('h2', {}, 'Apps & roles'),
    apps.length === 0 ? h('p', { class: 'empty' }, 'No apps yet.') : null,
    apps.map(([a, roles]) => h('article', { class: 'card', dataset: { app: a.name } },
      h('header', {}, h('h3', {}, a.name), h('span', { class: 'muted' }, `${roles.length} roles`)),
      h('p', {}, roles.length ? roles.map((r) => h('span', { class: 'tag' }, r.name)) : h('span', { class: 'muted' }, 'No roles yet.')),
      form(`add-role-${a.name}`, (data) => run({ change: 'add_role', app: a.name, role: data.get('role') }),
        h('input', { name: 'role', placeholder: 'Role name', required: true, 'aria-label': `New role of ${a.name}` }),
        h('button', {}, 'Add role')))),
    form('add-app', (data) => run({ change: 'add_app', name: data.get('name') }),
      h('input', { name: 'name', placeholder: 'App name', required: true, 'aria-label': 'App name' }),
      h('button', {}, 'Add app'))));
}
