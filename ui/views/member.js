// One member: profile, status actions (each confirmed), Company Admin and Administrator
// toggles, a permission per infrastructure, end-user roles, security contact, and the
// invitation of a pending member. A refusal is shown at once, next to what caused it.

import { call, apply } from '../ipc.js';
import { h, fill, dialog, confirmAction, errorLine, formatTime, LEVELS, STATUSES } from '../dom.js';

/** Opens the member panel; resolves when it closes. */
export async function openMember(app, email) {
  const [infras, apps] = await Promise.all([call('infrastructures'), call('apps')]);
  return dialog('Member', (close) => {
    const body = h('div', { class: 'member', id: 'member-panel' });
    const message = h('div', { class: 'message' });

    async function change(payload, confirm) {
      if (confirm && !await confirmAction(...confirm)) return;
      try {
        const result = await apply(payload);
        fill(message, h('p', { class: 'ok', role: 'status' }, capital(result.summary)));
        app.refresh().catch(() => {});
        if (payload.change === 'delete') {
          close('deleted');
          return;
        }
        await draw();
      } catch (err) {
        fill(message, errorLine(err));
        if (err.code === 'locked') app.handleError(err);
        await draw(false);
      }
    }

    async function draw(clearMessage = true) {
      let m;
      try {
        m = await call('member', { email });
      } catch (err) {
        fill(body, errorLine(err));
        return;
      }
      if (clearMessage && message.querySelector('.error')) fill(message);
      const levelOf = new Map(m.permissions.map((p) => [p.infra_name, p.level]));
      const roles = new Set(m.roles);
      fill(body,
        h('div', { class: 'profile' },
          h('h3', { id: 'member-name' }, m.name),
          h('p', {}, m.email, ' · ', m.kind === 'it_user' ? 'IT user' : 'End user', ' · ',
            h('span', { class: `status ${m.status}`, id: 'member-status' }, STATUSES[m.status] ?? m.status)),
          h('p', { class: 'muted' }, `Member since ${formatTime(m.created_at)}`)),
        message,
        invitation(m),
        h('section', {}, h('h4', {}, 'Access'),
          toggle('company-admin', 'Company Admin', m.company_admin, (on) => change({ change: 'company_admin', email, on })),
          m.kind === 'it_user' ? toggle('administrator', 'Administrator (apps, roles and users)', m.administrator, (on) => change({ change: 'administrator', email, on })) : null),
        h('section', {}, h('h4', {}, 'Infrastructures'),
          infras.length === 0 ? h('p', { class: 'muted' }, 'No infrastructures yet.') : h('table', { class: 'table compact', id: 'member-permissions' }, h('tbody', {}, infras.map((i) => h('tr', {},
            h('th', { scope: 'row' }, i.name, m.dev_permissions.includes(i.name) ? h('span', { class: 'tag' }, 'Development') : null),
            h('td', {}, levelSelect(i.name, levelOf.get(i.name) ?? '', (level) => change(level
              ? { change: 'grant', email, infra: i.name, level }
              : { change: 'revoke', email, infra: i.name })))))))),
        h('section', {}, h('h4', {}, 'End-user roles'),
          apps.length === 0 ? h('p', { class: 'muted' }, 'No apps yet.')
            : h('div', { class: 'roles' }, apps.flatMap(([app_, appRoles]) => appRoles.map((role) => {
              const path = `${app_.name}/${role.name}`;
              return h('label', { class: 'check' }, h('input', {
                type: 'checkbox', checked: roles.has(path),
                onchange: (event) => change({ change: event.target.checked ? 'assign_role' : 'revoke_role', email, role: path }),
              }), path);
            })))),
        security(m),
        profile(m),
        h('section', { class: 'status-actions' }, h('h4', {}, 'Status'), statusActions(m)));
    }

    function invitation(m) {
      if (m.status !== 'pending' || !m.invitation) return null;
      const inv = m.invitation;
      return h('section', { class: 'invitation' }, h('h4', {}, 'Invitation'),
        h('p', { id: 'invitation-expiry' }, `Sent ${formatTime(inv.sent_at)}, expires ${formatTime(inv.expires_at)} (${inv.state}).`),
        h('div', { class: 'actions left' },
          h('button', { id: 'resend', onclick: () => change({ change: 'resend_invitation', email }) }, 'Resend invitation'),
          h('button', { id: 'revoke-invitation', class: 'danger', onclick: () => change({ change: 'revoke_invitation', email }, ['Revoke invitation', `Revoke the invitation of ${email}? Its link stops working.`, 'Revoke', { danger: true }]) }, 'Revoke invitation')));
    }

    function security(m) {
      const phone = h('input', { id: 'security-phone', type: 'tel', placeholder: '+4915112345678', value: m.phone ?? '', 'aria-label': 'Security contact phone' });
      return h('section', {}, h('h4', {}, 'Security contact'),
        h('form', {
          class: 'inline',
          onsubmit: (event) => { event.preventDefault(); change({ change: 'security_contact', email, phone: phone.value.trim() }); },
        }, phone, h('button', { id: 'set-security' }, m.security_contact ? 'Update phone' : 'Make security contact'),
        m.security_contact ? h('button', { type: 'button', id: 'clear-security', onclick: () => change({ change: 'security_contact', email, phone: null }) }, 'Clear') : null));
    }

    function profile(m) {
      const name = h('input', { id: 'profile-name', value: m.name, 'aria-label': 'Name' });
      return h('section', {}, h('h4', {}, 'Profile'),
        h('form', { class: 'inline', onsubmit: (event) => { event.preventDefault(); change({ change: 'rename', email, name: name.value }); } },
          name, h('button', { id: 'rename' }, 'Rename')));
    }

    function statusActions(m) {
      const who = `${m.name} (${m.email})`;
      return h('div', { class: 'actions left' },
        m.status === 'deactivated'
          ? h('button', { id: 'reactivate', onclick: () => change({ change: 'reactivate', email }, ['Reactivate', `Reactivate ${who}?`, 'Reactivate']) }, 'Reactivate')
          : h('button', { id: 'deactivate', onclick: () => change({ change: 'deactivate', email }, ['Deactivate', `Deactivate ${who}? They keep their record but lose every right and cannot sign in.`, 'Deactivate', { danger: true }]) }, 'Deactivate'),
        h('button', { id: 'delete', class: 'danger', onclick: () => change({ change: 'delete', email }, ['Delete member', `Delete ${who}? Only the audit trail keeps them.`, 'Delete', { danger: true }]) }, 'Delete'));
    }

    draw();
    return h('div', {}, body);
  }, { wide: true });
}

function toggle(id, label, on, set) {
  return h('label', { class: 'switch' },
    h('input', { type: 'checkbox', role: 'switch', id, checked: on, onchange: (event) => { set(event.target.checked); } }),
    label);
}

function levelSelect(infra, level, set) {
  const select = h('select', { 'aria-label': `Permission on ${infra}`, dataset: { infra } },
    h('option', { value: '' }, 'None'),
    Object.entries(LEVELS).map(([v, l]) => h('option', { value: v, selected: v === level }, l)));
  select.addEventListener('change', () => set(select.value));
  return select;
}

function capital(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
