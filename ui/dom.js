// Small DOM helpers shared by the views: build elements, show a toast, ask to confirm,
// open a dialog. Text always goes in as text, never as HTML.

/** `h('button', {class: 'primary', onclick}, 'Save')` → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** A short message at the bottom of the window; errors stay until dismissed or replaced. */
export function toast(message, kind = 'info', { topic } = {}) {
  const area = $('#toasts');
  // A toast about a topic replaces the last one about it: a sync that worked takes away
  // the error of the one before, instead of leaving it up beside it.
  if (topic) clearToasts(topic);
  const item = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: topic ? { topic } : null },
    h('span', {}, message),
    h('button', { class: 'ghost', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  area.append(item);
  if (kind !== 'error') setTimeout(() => item.remove(), 5000);
}

/** Takes away the toasts about `topic`. */
export function clearToasts(topic) {
  for (const item of $('#toasts').querySelectorAll('.toast')) {
    if (item.dataset.topic === topic) item.remove();
  }
}

/** Opens a modal dialog built by `build(close)`; resolves with what `close` was given. */
export function dialog(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const box = h('dialog', { class: wide ? 'wide' : '', 'aria-label': title });
    const close = (value) => {
      box.close();
      box.remove();
      resolve(value);
    };
    box.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(undefined);
    });
    box.append(
      h('header', {},
        h('h2', {}, title),
        h('button', { class: 'ghost', 'aria-label': 'Close', onclick: () => close(undefined) }, '×')),
      build(close));
    document.body.append(box);
    box.showModal();
    box.querySelector('[autofocus]')?.focus();
  });
}

/** Asks the admin to confirm; resolves true only on the confirm button. */
export function confirmAction(title, message, action, { danger = false } = {}) {
  return dialog(title, (close) => h('div', { class: 'confirm' },
    h('p', {}, message),
    h('div', { class: 'actions' },
      h('button', { onclick: () => close(false) }, 'Cancel'),
      h('button', { class: danger ? 'danger' : 'primary', autofocus: true, onclick: () => close(true) }, action))));
}

/** A refusal or error shown inside a form, next to what caused it. */
export function errorLine(err) {
  return h('p', { class: 'error', role: 'alert', dataset: { code: err.code ?? 'internal' } }, err.message);
}

export function formatTime(millis) {
  if (millis === null || millis === undefined) return 'never';
  return new Date(millis).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatAgo(millis) {
  if (!millis) return 'never';
  const seconds = Math.round((Date.now() - millis) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return formatTime(millis);
}

export const LEVELS = { infra_admin: 'Infra Admin', member: 'Member' };
export const STATUSES = { active: 'Active', pending: 'Pending', deactivated: 'Deactivated' };
