// What the user may do on the sheet page, as the server says it: the role
// badge, the read-only or editable grid and toolbar, the share, import and
// history links and the side panel. The server decides (sheet-config, `hello`
// and `access.changed` carry `role`, `role_label`, `can_edit`, `can_manage`);
// this module only shows it, switched live without a reload.

export class AccessControls {
  /** `grid` (grid.js), `dialog` (dialog.js), `title` (titleedit.js, optional), `buttons`: toolbar buttons that edit. */
  constructor({ grid, dialog, title = null, buttons, doc = globalThis.document }) {
    Object.assign(this, { grid, dialog, title, buttons, doc });
    this.badge = doc.getElementById('role-badge');
    this.shareLink = doc.getElementById('share-link');
    this.historyLink = doc.getElementById('history-link');
    this.sidePanel = doc.getElementById('side-panel');
    if (this.sidePanel) this._watchPanel();
  }

  /**
   * sheet-config, hello or access.changed: {role, role_label, can_edit, can_manage}.
   * What a message leaves out (a label, can_manage) stays as the page shows it.
   */
  apply(access) {
    this._show({
      role: access.role || '',
      label: access.role_label,
      canEdit: !!access.can_edit,
      canManage: typeof access.can_manage === 'boolean' ? access.can_manage : null,
      revoked: false,
    });
  }

  /** access.revoked, or the socket closed 4403: no access at all. */
  revoke() { this._show({ role: 'none', label: 'No access', canEdit: false, canManage: false, revoked: true }); }

  _show({ role, label, canEdit, canManage, revoked }) {
    this.grid.setCanEdit(canEdit);
    for (const button of this.buttons) if (button) button.disabled = !canEdit;
    if (!canEdit) this.dialog.close();
    if (this.title) this.title.setCanEdit(canEdit);
    if (this.badge) {
      if (typeof label === 'string' && label) this.badge.textContent = label;
      this.badge.dataset.role = role;
    }
    if (this.shareLink && canManage !== null) this.shareLink.hidden = !canManage;
    const importLink = this.doc.getElementById('import-link'); // rendered for editors only
    if (importLink) importLink.hidden = !canEdit;
    if (this.historyLink) this.historyLink.hidden = revoked;
    // A panel the user may no longer use goes away (the server refuses it anyway).
    if (revoked || (canManage === false && this.sidePanel && this.sidePanel.dataset.panel === 'share')) this.closePanel();
  }

  closePanel() {
    if (!this.sidePanel) return;
    this.sidePanel.replaceChildren();
    delete this.sidePanel.dataset.panel;
  }

  _watchPanel() {
    // Which panel is showing: the toolbar link that filled it says so.
    this.doc.body.addEventListener('htmx:afterSwap', (event) => {
      if (event.detail.target !== this.sidePanel) return;
      const from = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (from === this.shareLink) this.sidePanel.dataset.panel = 'share';
      else if (from === this.historyLink) this.sidePanel.dataset.panel = 'history';
    });
    this.sidePanel.addEventListener('click', (event) => {
      if (event.target.closest && event.target.closest('[data-panel-close]')) { event.preventDefault(); this.closePanel(); }
    });
  }
}
