// Permission matrix: members × infrastructures, for review. Rows are drawn only while in
// view, so the whole company scrolls smoothly.

import { call } from '../ipc.js';
import { h, fill } from '../dom.js';

const ROW = 32;
const PAGE = 500;

export async function show(root) {
  const infras = await call('infrastructures');
  const search = h('input', { type: 'search', id: 'matrix-search', placeholder: 'Filter members', 'aria-label': 'Filter members' });
  const viewport = h('div', { class: 'viewport matrix', role: 'table', 'aria-label': 'Permission matrix' });
  const spacer = h('div', { class: 'spacer' });
  const rows = h('div', { class: 'rows' });
  viewport.append(spacer, rows);
  const columns = `minmax(220px, 2fr) repeat(${infras.length}, minmax(90px, 1fr))`;
  const head = h('div', { class: 'matrix-head', role: 'row' }, h('span', { role: 'columnheader' }, 'Member'),
    infras.map((i) => h('span', { role: 'columnheader', title: i.name }, i.name)));
  head.style.gridTemplateColumns = columns;
  fill(root, h('section', { class: 'page matrix-page' }, h('h2', {}, 'Permission matrix'),
    h('p', { class: 'muted' }, '★ Infra Admin · ● Member · blank: no permission. Active and pending members.'),
    h('div', { class: 'toolbar' }, search), head, viewport));

  let pages = new Map();
  let total = 0;
  let query = 0;

  async function reload() {
    const mine = ++query;
    pages = new Map();
    const page = await call('members', { filter: { search: search.value.trim() || null, limit: PAGE, offset: 0, with_total: true } });
    if (mine !== query) return;
    pages.set(0, page.members);
    total = page.total ?? page.members.length;
    spacer.style.height = `${total * ROW}px`;
    draw();
  }

  async function load(index) {
    if (pages.has(index)) return;
    pages.set(index, null);
    const mine = query;
    const page = await call('members', { filter: { search: search.value.trim() || null, limit: PAGE, offset: index * PAGE } });
    if (mine === query) { pages.set(index, page.members); draw(); }
  }

  function draw() {
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 5);
    const last = Math.min(total, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + 5);
    const items = [];
    for (let i = first; i < last; i += 1) {
      const page = pages.get(Math.floor(i / PAGE));
      const m = page?.[i % PAGE];
      if (page === undefined) load(Math.floor(i / PAGE));
      const levels = new Map((m?.permissions ?? []).map((p) => [p.infra, p.level]));
      const row = h('div', { class: 'matrix-row', role: 'row' },
        h('span', { role: 'cell', title: m?.email ?? '' }, m ? m.name : '…'),
        infras.map((inf) => {
          const level = levels.get(inf.id);
          return h('span', { role: 'cell', class: level ?? '', 'aria-label': level ? `${inf.name}: ${level.replace('_', ' ')}` : `${inf.name}: none` },
            level === 'infra_admin' ? '★' : level === 'member' ? '●' : '');
        }));
      row.style.gridTemplateColumns = columns;
      row.style.transform = `translateY(${i * ROW}px)`;
      items.push(row);
    }
    fill(rows, items);
  }

  viewport.addEventListener('scroll', () => requestAnimationFrame(draw));
  search.addEventListener('input', () => reload());
  new ResizeObserver(() => draw()).observe(viewport);
  await reload();
}
