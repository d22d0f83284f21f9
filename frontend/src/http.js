// The sheet page's requests: the CSRF token for writes, and JSON reads answered as {status, body}.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  try {
    return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
  } catch (err) {
    return '';
  }
}

export async function getJson(url) {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}

/** A JSON POST with the CSRF token (a read that needs a body), answered as {status, body}. */
export async function postJson(url, data) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken() },
    body: JSON.stringify(data),
  });
  const body = await response.json().catch(() => null);
  return { status: response.status, body };
}
