// The sheet page's access controls (access.js) show what the server says
// (`role_label`, `can_edit`, `can_manage`): the client has no role rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessControls } from '../src/access.js';

function fakeElement() {
  return {
    textContent: '', hidden: false, disabled: false, dataset: {}, children: [],
    addEventListener() {},
    replaceChildren(...kids) { this.children = kids; },
  };
}

function fakePage() {
  const els = { 'role-badge': fakeElement(), 'share-link': fakeElement(), 'history-link': fakeElement(), 'import-link': fakeElement(), 'side-panel': fakeElement() };
  const doc = { body: fakeElement(), getElementById: (id) => els[id] || null };
  const calls = [];
  const grid = { setCanEdit: (flag) => calls.push(['canEdit', flag]) };
  const dialog = { close: () => calls.push(['close']) };
  const buttons = [fakeElement(), fakeElement()];
  const access = new AccessControls({ grid, dialog, buttons, doc });
  return { els, calls, buttons, access };
}

test('role badge labels', () => {
  const { els, calls, buttons, access } = fakePage();
  els['role-badge'].textContent = 'Editor'; // as the page was rendered
  access.apply({ role: 'viewer', role_label: 'View only', can_edit: false, can_manage: false });
  assert.equal(els['role-badge'].textContent, 'View only');
  assert.equal(els['role-badge'].dataset.role, 'viewer');
  assert.deepEqual(calls, [['canEdit', false], ['close']]);
  assert.ok(buttons.every((b) => b.disabled));
  assert.equal(els['share-link'].hidden, true);
  assert.equal(els['import-link'].hidden, true);
  access.apply({ role: 'editor', role_label: 'Editor', can_edit: true, can_manage: false });
  assert.equal(els['role-badge'].textContent, 'Editor');
  assert.ok(buttons.every((b) => !b.disabled));
  assert.equal(els['share-link'].hidden, true);
  access.apply({ role: 'owner', role_label: 'Owner', can_edit: true, can_manage: true });
  assert.equal(els['role-badge'].textContent, 'Owner');
  assert.equal(els['share-link'].hidden, false);
  // What a message leaves out stays as the page shows it.
  access.apply({ role: 'owner', can_edit: true });
  assert.equal(els['role-badge'].textContent, 'Owner');
  assert.equal(els['share-link'].hidden, false);
  access.revoke();
  assert.equal(els['role-badge'].textContent, 'No access');
  assert.equal(els['role-badge'].dataset.role, 'none');
  assert.equal(els['history-link'].hidden, true);
  assert.equal(els['share-link'].hidden, true);
});
