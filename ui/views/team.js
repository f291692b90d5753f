// Team: tabs by status with counts, instant search, filters by infrastructure and level,
// a virtual list that draws only the rows in view (smooth at 100,000 members), and
// multi-select for bulk grant, revoke and deactivate.

import { call } from '../ipc.js';
import { h, fill, toast, dialog, confirmAction, LEVELS } from '../dom.js';

// The member and invitation dialogs load when first opened.
const openMember = async (...args) => (await import('./member.js')).openMember(...args);
const invite = async (...args) => (await import('./invite.js')).openInvite(...args);

const ROW = 44;
const PAGE = 200;
const OVERSCAN = 8;
const TABS = [
  ['active', 'Active'],
  ['pending', 'Pending'],
  ['deactivated', 'Deactivated'],
  ['support', 'Support contacts'],
];

// Survives switching views, so coming back to Team keeps the admin's place.
const state = { tab: 'active', search: '', infra: '', level: '', selected: new Set() };

export function openInvite(app) {
  return invite(app, () => show(document.querySelector('#view'), app));
}

export async function show(root, app) {
  const filter = () => ({
    search: state.search || null, status: state.tab, infra: state.infra || null,
    level: state.level || null, limit: PAGE,
  });
  // Unfiltered, the tab's count is the total; counting again would cost a scan.
  const filtered = () => Boolean(state.search || state.infra || state.level);
  const firstPage = () => call('members', { filter: { ...filter(), offset: 0, with_total: filtered() } });
  // The first page is asked for with the filters' names, not after: one wait, not two.
  const prefetched = state.tab === 'support' ? null : firstPage();
  prefetched?.catch(() => {}); // its error, if any, is met where it is awaited
  const infras = await call('infrastructure_names');
  const counted = () => {
    const c = app.status.members;
    return { active: c.active, pending: c.pending, deactivated: c.deactivated, support: c.support_contacts };
  };
  const count = counted();

  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Members by status' },
    TABS.map(([key, label]) => h('button', {
      role: 'tab', id: `tab-${key}`, 'aria-selected': String(state.tab === key),
      onclick: () => { state.tab = key; state.selected.clear(); show(root, app); },
    }, label, ' ', h('span', { class: 'count' }, count[key].toLocaleString()))));

  if (state.tab === 'support') {
    fill(root, h('section', { class: 'team' }, tabs, await supportContacts()));
    return;
  }

  const search = h('input', {
    id: 'search', type: 'search', placeholder: 'Search name or e-mail  ( / )', value: state.search,
    'aria-label': 'Search members', autocomplete: 'off', spellcheck: 'false',
  });
  const infraFilter = h('select', { id: 'filter-infra', 'aria-label': 'Infrastructure' },
    h('option', { value: '' }, 'All infrastructures'),
    infras.map((name) => h('option', { value: name, selected: state.infra === name }, name)));
  const levelFilter = h('select', { id: 'filter-level', 'aria-label': 'Level' },
    h('option', { value: '' }, 'Any level'),
    Object.entries(LEVELS).map(([v, label]) => h('option', { value: v, selected: state.level === v }, label)));
  const total = h('span', { class: 'muted', id: 'result-count', role: 'status' });
  const bulk = h('div', { class: 'bulkbar', hidden: true });
  const viewport = h('div', { class: 'viewport', id: 'member-list', role: 'grid', tabindex: '0', 'aria-label': 'Members', 'aria-rowcount': '0' });
  const spacer = h('div', { class: 'spacer' });
  const rows = h('div', { class: 'rows' });
  viewport.append(spacer, rows);

  fill(root, h('section', { class: 'team' }, tabs,
    h('div', { class: 'toolbar' }, search, infraFilter, levelFilter, total,
      h('button', { class: 'primary', id: 'add-member', onclick: () => openInvite(app) }, 'Add team member')),
    bulk, viewport));

  // The list: pages of rows fetched on demand and kept while the query stays the same.
  let query = 0;
  let pages = new Map();
  let count_ = 0;
  let focusIndex = 0;

  async function reload(asked = null) {
    const mine = ++query;
    pages = new Map();
    const page = await (asked ?? firstPage());
    if (mine !== query) return; // a newer keystroke already asked again
    pages.set(0, page.members);
    count_ = filtered() ? (page.total ?? page.members.length) : counted()[state.tab];
    spacer.style.height = `${count_ * ROW}px`;
    viewport.setAttribute('aria-rowcount', String(count_));
    total.textContent = `${count_.toLocaleString()} ${count_ === 1 ? 'member' : 'members'}`;
    viewport.scrollTop = 0;
    focusIndex = 0;
    draw();
  }

  async function loadPage(index) {
    if (pages.has(index)) return;
    pages.set(index, null);
    const mine = query;
    const page = await call('members', { filter: { ...filter(), offset: index * PAGE } });
    if (mine !== query) return;
    pages.set(index, page.members);
    draw();
  }

  function rowAt(i) {
    const page = pages.get(Math.floor(i / PAGE));
    return page ? page[i % PAGE] : undefined;
  }

  function draw() {
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(count_, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + OVERSCAN);
    const items = [];
    for (let i = first; i < last; i += 1) {
      const listing = rowAt(i);
      if (listing === undefined) {
        loadPage(Math.floor(i / PAGE)).catch(app.handleError);
      }
      items.push(memberRow(i, listing));
    }
    fill(rows, items);
    if (count_ === 0) rows.append(h('p', { class: 'empty' }, state.search ? `No member matches “${state.search}”.` : 'No members here.'));
  }

  function memberRow(i, listing) {
    const row = h('div', { class: 'row', role: 'row', 'aria-rowindex': String(i + 1), dataset: { index: i } });
    row.style.transform = `translateY(${i * ROW}px)`;
    if (!listing) {
      row.append(h('span', { class: 'muted' }, '…'));
      return row;
    }
    const m = listing;
    row.dataset.email = m.email;
    if (i === focusIndex) row.classList.add('focused');
    const checked = state.selected.has(m.email);
    if (checked) row.classList.add('selected');
    row.append(
      h('input', {
        type: 'checkbox', checked, 'aria-label': `Select ${m.name}`, tabindex: '-1',
        onclick: (event) => { event.stopPropagation(); toggle(m.email); },
      }),
      h('span', { class: 'name', role: 'gridcell' }, m.name,
        m.company_admin ? h('span', { class: 'tag ca' }, 'Company Admin') : null,
        m.administrator ? h('span', { class: 'tag' }, 'Administrator') : null,
        m.security_contact ? h('span', { class: 'tag sec' }, 'Security') : null),
      h('span', { class: 'email', role: 'gridcell' }, m.email),
      h('span', { class: 'perms', role: 'gridcell' },
        m.permissions.length === 0 ? h('span', { class: 'muted' }, 'no infrastructure')
          : m.permissions.map((p) => h('span', { class: `perm ${p.level}`, title: LEVELS[p.level] }, p.infra_name, p.level === 'infra_admin' ? ' ★' : ''))));
    row.addEventListener('click', () => { focusIndex = i; open(m.email); });
    return row;
  }

  function toggle(email) {
    if (state.selected.has(email)) state.selected.delete(email); else state.selected.add(email);
    drawBulk();
    draw();
  }

  async function open(email) {
    await openMember(app, email);
    await app.refresh().catch(() => {});
    // Counts and rows may have changed: redraw in place.
    await reload().catch(app.handleError);
  }

  function drawBulk() {
    const n = state.selected.size;
    bulk.hidden = n === 0;
    if (n === 0) return;
    fill(bulk,
      h('strong', {}, `${n} selected`),
      h('button', { id: 'bulk-grant', onclick: bulkGrant }, 'Grant…'),
      h('button', { id: 'bulk-revoke', onclick: bulkRevoke }, 'Revoke…'),
      h('button', { id: 'bulk-deactivate', class: 'danger', onclick: bulkDeactivate }, 'Deactivate'),
      h('button', { class: 'ghost', onclick: () => { state.selected.clear(); drawBulk(); draw(); } }, 'Clear selection'));
  }

  async function runBulk(changes, what) {
    try {
      const results = await call('apply_bulk', { changes });
      const failed = results.filter((r) => !r.ok);
      state.selected.clear();
      drawBulk();
      await app.refresh();
      await reload();
      if (failed.length === 0) {
        toast(`${what}: ${results.length} done.`);
      } else {
        await dialog(`${what}: ${results.length - failed.length} done, ${failed.length} refused`, (close) => h('div', { class: 'stack' },
          h('ul', { class: 'results' }, failed.map((r) => h('li', {}, h('strong', {}, r.subject), ' — ', r.summary))),
          h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: () => close() }, 'OK'))));
      }
    } catch (err) {
      app.handleError(err);
    }
  }

  async function bulkGrant() {
    const choice = await pickInfra('Grant a permission', true);
    if (!choice) return;
    await runBulk([...state.selected].map((email) => ({ change: 'grant', email, infra: choice.infra, level: choice.level })), 'Grant');
  }

  async function bulkRevoke() {
    const choice = await pickInfra('Revoke a permission', false);
    if (!choice) return;
    await runBulk([...state.selected].map((email) => ({ change: 'revoke', email, infra: choice.infra })), 'Revoke');
  }

  async function bulkDeactivate() {
    const n = state.selected.size;
    if (!await confirmAction('Deactivate members', `Deactivate ${n} ${n === 1 ? 'member' : 'members'}? They keep their record but lose every right and cannot sign in.`, 'Deactivate', { danger: true })) return;
    await runBulk([...state.selected].map((email) => ({ change: 'deactivate', email })), 'Deactivate');
  }

  function pickInfra(title, withLevel) {
    return dialog(title, (close) => {
      const infra = h('select', { id: 'bulk-infra', autofocus: true }, infras.map((name) => h('option', { value: name }, name)));
      const level = h('select', { id: 'bulk-level' }, Object.entries(LEVELS).map(([v, l]) => h('option', { value: v }, l)));
      return h('form', {
        class: 'stack',
        onsubmit: (event) => { event.preventDefault(); close({ infra: infra.value, level: level.value }); },
      },
      h('label', {}, 'Infrastructure', infra),
      withLevel ? h('label', {}, 'Level', level) : null,
      h('p', { class: 'hint' }, `For ${state.selected.size} selected members. Each is decided on its own; refusals are listed after.`),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => close(null) }, 'Cancel'), h('button', { class: 'primary', id: 'bulk-apply' }, 'Apply')));
    });
  }

  // Keys in the list: arrows move, Enter opens, Space selects.
  viewport.addEventListener('keydown', (event) => {
    const move = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 }[event.key];
    if (move) {
      event.preventDefault();
      focusIndex = Math.max(0, Math.min(count_ - 1, focusIndex + move));
      const top = focusIndex * ROW;
      if (top < viewport.scrollTop) viewport.scrollTop = top;
      if (top + ROW > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top + ROW - viewport.clientHeight;
      draw();
    } else if (event.key === 'Enter') {
      const m = rowAt(focusIndex);
      if (m) open(m.email);
    } else if (event.key === ' ') {
      event.preventDefault();
      const m = rowAt(focusIndex);
      if (m) toggle(m.email);
    }
  });
  let frame = 0;
  viewport.addEventListener('scroll', () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  });
  search.addEventListener('input', () => { state.search = search.value.trim(); reload().catch(app.handleError); });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'Enter') { event.preventDefault(); viewport.focus(); }
    if (event.key === 'Escape') { search.value = ''; state.search = ''; reload().catch(app.handleError); }
  });
  infraFilter.addEventListener('change', () => { state.infra = infraFilter.value; reload().catch(app.handleError); });
  levelFilter.addEventListener('change', () => { state.level = levelFilter.value; reload().catch(app.handleError); });
  new ResizeObserver(() => draw()).observe(viewport);

  drawBulk();
  await reload(prefetched);
}

async function supportContacts() {
  const contacts = await call('support_contacts');
  if (contacts.length === 0) return h('p', { class: 'empty' }, 'No support contacts.');
  return h('table', { class: 'table', id: 'support-contacts' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'E-mail'), h('th', {}, 'Cases'))),
    h('tbody', {}, contacts.map((c) => h('tr', {}, h('td', {}, c.name ?? '—'), h('td', {}, c.email), h('td', {}, c.cases)))));
}

