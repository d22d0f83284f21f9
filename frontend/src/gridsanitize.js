// Handsontable writes headers and menu labels as HTML: this makes every one
// plain text (grid.js passes it as the `sanitizer` setting).

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Pasted HTML is parsed by DOMParser (inert); everything else is shown as text. */
export function sanitizer(content, context) {
  if (typeof context === 'string' && context.startsWith('CopyPaste.')) return content;
  return escapeHtml(content);
}
