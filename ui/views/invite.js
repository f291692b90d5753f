// Add team member: e-mail, name, kind, Company Admin, a permission per infrastructure,
// Development permission only where the rules allow it (the others say why not),
// end-user roles; sends the invitation. The rules run in Rust before anything is queued.

import { call, apply } from '../ipc.js';
import { h, fill, dialog, errorLine, toast, LEVELS } from '../dom.js';

export async function openInvite(app, done) {
  const [infras, apps] = await Promise.all([call('infrastructures'), call('apps')]);
  const sent = await dialog('Add team member', (close) => {
    const message = h('div');
    const kind = h('select', { id: 'invite-kind', name: 'kind' },
      h('option', { value: 'it_user' }, 'IT user (administrators, developers)'),
      h('option', { value: 'end_user' }, 'End user (uses the company’s apps)'));
    const rows = infras.map((i) => {
      const level = h('select', { name: `level-${i.name}`, 'aria-label': `Permission on ${i.name}`, dataset: { infra: i.name } },
        h('option', { value: '' }, 'None'),
        Object.entries(LEVELS).map(([v, l]) => h('option', { value: v }, l)));
      const dev = h('input', { type: 'checkbox', name: `dev-${i.name}`, dataset: { infra: i.name }, 'aria-label': `Development permission on ${i.name}` });
      const why = h('span', { class: 'why muted' });
      return { infra: i, level, dev, why };
    });
    const syncDev = () => {
      for (const row of rows) {
        const reason = kind.value !== 'it_user'
          ? 'Development permission is a developer account, for IT users only.'
          : row.infra.no_development;
        row.dev.disabled = Boolean(reason);
        if (reason) row.dev.checked = false;
        row.why.textContent = reason ?? '';
      }
    };
    kind.addEventListener('change', syncDev);
    syncDev();

    const form = h('form', {
      class: 'stack', id: 'invite-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const change = {
          change: 'invite',
          email: data.get('email').trim(),
          name: data.get('name').trim() || null,
          kind: kind.value,
          company_admin: data.get('company_admin') === 'on',
          grants: rows.filter((r) => r.level.value).map((r) => [r.infra.name, r.level.value]),
          dev: rows.filter((r) => r.dev.checked).map((r) => r.infra.name),
          roles: [...form.querySelectorAll('input[name=role]:checked')].map((c) => c.value),
        };
        try {
          const result = await apply(change);
          close(result);
        } catch (err) {
          fill(message, errorLine(err));
        }
      },
    },
    h('div', { class: 'grid2' },
      h('label', {}, 'E-mail', h('input', { id: 'invite-email', name: 'email', type: 'email', required: true, autofocus: true })),
      h('label', {}, 'Name', h('input', { id: 'invite-name', name: 'name' })),
      h('label', {}, 'Kind', kind),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'invite-company-admin', name: 'company_admin' }), 'Company Admin')),
    h('h4', {}, 'Infrastructures'),
    h('table', { class: 'table compact', id: 'invite-infras' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Infrastructure'), h('th', {}, 'Permission'), h('th', {}, 'Development'))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { infra: r.infra.name } },
        h('th', { scope: 'row' }, r.infra.name, h('span', { class: 'muted' }, ` ${r.infra.subscription_name} · ${r.infra.hosting.replace('_', '-')}`)),
        h('td', {}, r.level),
        h('td', {}, h('label', { class: 'check' }, r.dev, r.why)))))),
    apps.length ? h('h4', {}, 'End-user roles') : null,
    h('div', { class: 'roles' }, apps.flatMap(([app_, roles]) => roles.map((role) => {
      const path = `${app_.name}/${role.name}`;
      return h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'role', value: path }), path);
    }))),
    message,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => close(null) }, 'Cancel'),
      h('button', { class: 'primary', id: 'send-invitation' }, 'Send invitation')));
    return form;
  }, { wide: true });
  if (sent) {
    toast(sent.summary);
    await app.refresh().catch(() => {});
    await done?.();
  }
}
