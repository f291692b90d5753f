// Audit trail: newest first, filtered by member or infrastructure, paged backwards, with
// the hash chain verified on demand.

import { call } from '../ipc.js';
import { h, fill, formatTime, errorLine } from '../dom.js';

const PAGE = 100;
const filter = { member: '', infra: '' };

export async function show(root, app) {
  const infras = await call('infrastructure_names');
  const list = h('tbody');
  const more = h('button', { id: 'audit-more' }, 'Older entries');
  const verdict = h('span', { id: 'chain-verdict', role: 'status' });
  const message = h('div');
  let before = null;

  async function load(reset) {
    if (reset) { before = null; fill(list); }
    try {
      const entries = await call('audit', { filter: { member: filter.member || null, infra: filter.infra || null, before, limit: PAGE } });
      fill(message);
      list.append(...entries.map(row));
      before = entries.length ? entries[entries.length - 1].seq : before;
      more.hidden = entries.length < PAGE;
    } catch (err) {
      fill(message, errorLine(err));
    }
  }

  const member = h('input', { type: 'search', id: 'audit-member', placeholder: 'Member e-mail', value: filter.member, 'aria-label': 'Filter by member' });
  const infra = h('select', { id: 'audit-infra', 'aria-label': 'Filter by infrastructure' },
    h('option', { value: '' }, 'All infrastructures'),
    infras.map((name) => h('option', { value: name, selected: filter.infra === name }, name)));
  member.addEventListener('change', () => { filter.member = member.value.trim(); load(true); });
  infra.addEventListener('change', () => { filter.infra = infra.value; load(true); });
  more.addEventListener('click', () => load(false));

  fill(root, h('section', { class: 'page' },
    h('h2', {}, 'Audit trail'),
    h('div', { class: 'toolbar' }, member, infra,
      h('button', {
        id: 'verify-chain',
        onclick: async () => {
          try {
            const report = await call('verify_audit');
            verdict.className = report.broken_at ? 'error' : 'ok';
            verdict.textContent = report.broken_at
              ? `Chain broken at entry ${report.broken_at[0]}: ${report.broken_at[1]}`
              : `All ${report.entries.toLocaleString()} entries verify.`;
          } catch (err) {
            app.handleError(err);
          }
        },
      }, 'Verify chain'), verdict),
    message,
    h('table', { class: 'table', id: 'audit' },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'), h('th', {}, 'Where'))),
      list),
    more));
  await load(true);
}

function row(e) {
  return h('tr', {},
    h('td', {}, e.seq),
    h('td', {}, formatTime(e.at)),
    h('td', {}, e.actor_label),
    h('td', {}, e.summary,
      e.changes?.length ? h('details', {}, h('summary', {}, 'before / after'),
        h('pre', {}, JSON.stringify(e.changes, null, 1))) : null),
    h('td', { class: 'muted' }, e.online ? 'synced' : 'this device'));
}
