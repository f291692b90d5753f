// Infrastructures: subscriptions, infrastructures with their environments (slot and
// licence expiry) and who administers each; forms to add them and to register or release
// a slot.

import { call, apply } from '../ipc.js';
import { h, fill, toast } from '../dom.js';

export async function show(root, app) {
  const [subscriptions, infras] = await Promise.all([call('subscriptions'), call('infrastructures')]);
  const redraw = () => show(root, app);
  const run = async (change) => {
    try {
      const result = await apply(change);
      toast(result.summary);
      await app.refresh();
      await redraw();
    } catch (err) {
      app.handleError(err);
    }
  };
  const today = new Date().toISOString().slice(0, 10);

  fill(root, h('section', { class: 'page' },
    h('h2', {}, 'Subscriptions'),
    h('table', { class: 'table', id: 'subscriptions' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Edition'))),
      h('tbody', {}, subscriptions.map((s) => h('tr', {}, h('td', {}, s.name), h('td', {}, s.edition))))),
    form('add-subscription', (data) => run({ change: 'add_subscription', name: data.get('name'), edition: data.get('edition') }),
      h('input', { name: 'name', placeholder: 'Subscription name', required: true, 'aria-label': 'Subscription name' }),
      h('select', { name: 'edition', 'aria-label': 'Edition' }, ['standard', 'enterprise', 'sentry'].map((e) => h('option', { value: e }, e))),
      h('button', {}, 'Add subscription')),

    h('h2', {}, 'Infrastructures'),
    infras.map((i) => h('article', { class: 'card', dataset: { infra: i.name } },
      h('header', {}, h('h3', {}, i.name),
        h('span', { class: 'muted' }, `${i.subscription_name} (${i.edition}) · ${i.hosting.replace('_', '-')} · ${i.members} members`)),
      h('p', {}, h('strong', {}, 'Infra Admins: '), i.admins.length ? i.admins.join(', ') : h('span', { class: 'muted' }, 'none')),
      i.no_development ? h('p', { class: 'muted' }, `No Development permission: ${i.no_development}.`) : null,
      h('table', { class: 'table compact' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Environment'), h('th', {}, 'Slot'), h('th', {}, 'Licence expires'), h('th', {}))),
        h('tbody', {}, i.environments.map((e) => h('tr', {},
          h('td', {}, e.name),
          h('td', {}, e.slot_registered ? 'registered' : 'released'),
          h('td', { class: e.licence_expires && e.licence_expires < today ? 'error' : '' }, e.licence_expires ?? '—'),
          h('td', {}, h('button', {
            onclick: () => run({ change: 'environment_slot', infra: i.name, environment: e.name, registered: !e.slot_registered }),
          }, e.slot_registered ? 'Release slot' : 'Register slot')))))),
      form(`add-environment-${i.name}`, (data) => run({ change: 'add_environment', infra: i.name, name: data.get('name'), licence_expires: data.get('expires') || null }),
        h('input', { name: 'name', placeholder: 'Environment name', required: true, 'aria-label': `New environment of ${i.name}` }),
        h('input', { name: 'expires', type: 'date', 'aria-label': 'Licence expires' }),
        h('button', {}, 'Add environment')))),
    form('add-infrastructure', (data) => run({ change: 'add_infrastructure', name: data.get('name'), subscription: data.get('subscription'), hosting: data.get('hosting') }),
      h('input', { name: 'name', placeholder: 'Infrastructure name', required: true, 'aria-label': 'Infrastructure name' }),
      h('select', { name: 'subscription', 'aria-label': 'Subscription' }, subscriptions.map((s) => h('option', { value: s.name }, s.name))),
      h('select', { name: 'hosting', 'aria-label': 'Hosting' }, ['cloud', 'hybrid', 'self_managed'].map((v) => h('option', { value: v }, v.replace('_', '-')))),
      h('button', {}, 'Add infrastructure'))));
}

export function form(id, submit, ...fields) {
  const el = h('form', { class: 'inline', id, onsubmit: (event) => { event.preventDefault(); submit(new FormData(el)); } }, fields);
  return el;
}
