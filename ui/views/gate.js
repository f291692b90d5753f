// The gate: first run (demo company, new local workspace, company server) and unlock.
// Passphrases and passwords go straight to Rust and are never kept in the page.

import { call } from '../ipc.js';
import { h, fill, errorLine } from '../dom.js';

/** Draws the gate in `root`; calls `enter(status)` once a workspace is unlocked. */
export async function showGate(root, enter) {
  root.hidden = false;
  let overview;
  try {
    overview = await call('overview');
  } catch (err) {
    fill(root, h('div', { class: 'gate-card' }, errorLine(err)));
    return;
  }
  const done = async (status) => {
    root.hidden = true;
    fill(root);
    await enter(status);
  };
  const screen = h('div', { class: 'gate-card' });
  fill(root, h('div', { class: 'gate' }, h('img', { src: 'logo.svg', alt: '', width: 56, height: 56 }), screen));

  const home = () => {
    if (overview.workspaces.length === 0) {
      fill(screen, h('h1', {}, 'Welcome to Roster'),
        h('p', { class: 'muted' }, 'Your company’s team access, encrypted on this device, usable offline.'),
        choices());
    } else {
      fill(screen, h('h1', {}, 'Unlock a workspace'), workspaceList(), h('hr'), choices());
    }
  };

  const choices = () => h('div', { class: 'choices' },
    h('button', { id: 'open-demo', onclick: () => run(() => call('open_demo'), 'Opening the demo company…') },
      h('strong', {}, 'Open the demo company'), h('span', {}, 'A sample company of 300 members to try Roster.')),
    h('button', { id: 'new-local', onclick: () => fill(screen, localForm()) },
      h('strong', {}, 'Create a local workspace'), h('span', {}, 'Start a company on this device only.')),
    h('button', { id: 'new-server', onclick: () => fill(screen, serverForm()) },
      h('strong', {}, 'Connect to a company server'), h('span', {}, 'Sign in and download your company.')));

  const workspaceList = () => h('ul', { class: 'workspaces', role: 'list' },
    overview.workspaces.map((ws) => h('li', {},
      h('button', {
        class: 'workspace',
        dataset: { workspace: ws.name },
        onclick: () => fill(screen, unlockForm(ws)),
      }, h('strong', {}, ws.name), ws.remembered ? h('span', { class: 'pill' }, 'remembered') : null))));

  const unlockForm = (ws) => {
    const message = h('div');
    const passphrase = h('input', { type: 'password', id: 'passphrase', name: 'passphrase', autocomplete: 'current-password', required: true, autofocus: true });
    const form = h('form', {
      class: 'stack',
      onsubmit: (event) => {
        event.preventDefault();
        run(() => call('unlock', { name: ws.name, passphrase: passphrase.value }), 'Unlocking…', message);
        passphrase.value = '';
      },
    },
    h('h1', {}, `Unlock “${ws.name}”`),
    ws.demo ? h('p', { class: 'hint', id: 'demo-hint' }, `Demo company — its passphrase is public: ${overview.demo_passphrase}`) : null,
    h('label', { for: 'passphrase' }, 'Passphrase'), passphrase,
    message,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: home }, 'Back'),
      ws.remembered ? h('button', { type: 'button', id: 'unlock-keychain', onclick: () => run(() => call('unlock', { name: ws.name, passphrase: null }), 'Unlocking…', message) }, 'Unlock with this device’s keychain') : null,
      h('button', { class: 'primary', id: 'unlock' }, 'Unlock')));
    setTimeout(() => passphrase.focus(), 0);
    return form;
  };

  const field = (id, label, attrs = {}) => [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];

  const localForm = () => {
    const message = h('div');
    const form = h('form', {
      class: 'stack',
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        run(() => call('create_workspace', {
          new: {
            company: data.get('company'), email: data.get('email'), name: data.get('admin-name') || null,
            passphrase: data.get('new-passphrase'), remember: data.get('remember') === 'on',
          },
        }), 'Creating the workspace…', message);
      },
    },
    h('h1', {}, 'Create a local workspace'),
    field('company', 'Company name', { required: true, autofocus: true }),
    field('email', 'Your e-mail (the first Company Admin)', { type: 'email', required: true }),
    field('admin-name', 'Your name'),
    field('new-passphrase', 'Passphrase for this workspace', { type: 'password', required: true, autocomplete: 'new-password' }),
    h('p', { class: 'hint' }, 'At least 12 characters with an upper-case and a lower-case letter, a digit and one of ! \\ # $ % & \' ( ) * + , - . / : ; < = > ? @ ['),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'remember' }), 'Remember on this device (OS keychain)'),
    message,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: home }, 'Back'), h('button', { class: 'primary' }, 'Create')));
    return form;
  };

  const serverForm = () => {
    const message = h('div');
    const form = h('form', {
      class: 'stack',
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        run(() => call('connect_server', {
          login: {
            server: data.get('server'), email: data.get('email'), password: data.get('password'),
            passphrase: data.get('new-passphrase'), remember: data.get('remember') === 'on',
          },
        }), 'Signing in and downloading your company… the first sync of a large company takes a few seconds.', message);
      },
    },
    h('h1', {}, 'Connect to a company server'),
    field('server', 'Server address', { type: 'url', required: true, placeholder: 'https://roster.example.com', autofocus: true }),
    field('email', 'E-mail', { type: 'email', required: true }),
    field('password', 'Password', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('new-passphrase', 'Passphrase for the copy on this device', { type: 'password', required: true, autocomplete: 'new-password' }),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'remember' }), 'Remember on this device (OS keychain)'),
    message,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: home }, 'Back'), h('button', { class: 'primary' }, 'Connect')));
    return form;
  };

  async function run(action, busy, message = null) {
    const area = message ?? screen;
    const progress = h('p', { class: 'progress', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), busy);
    for (const button of screen.querySelectorAll('button')) button.disabled = true;
    if (message) fill(message, progress); else area.append(progress);
    try {
      await done(await action());
    } catch (err) {
      for (const button of screen.querySelectorAll('button')) button.disabled = false;
      if (message) fill(message, errorLine(err)); else { progress.remove(); screen.append(errorLine(err)); }
    }
  }

  if (overview.start_with_demo && !overview.unlocked) {
    run(() => call('open_demo'), 'Opening the demo company…');
  } else {
    home();
  }
}
