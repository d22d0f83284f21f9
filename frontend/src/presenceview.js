// The sheet page's "People here" list: one item per user from presence.js.
// Names go in as text, colours only after presence.js checked them.

export function renderPresenceList(list, users) {
  if (!list) return;
  const items = users.map((user) => {
    const li = document.createElement('li');
    li.className = user.me ? 'presence-user me' : 'presence-user';
    li.dataset.userId = String(user.id);
    li.dataset.colour = user.colour;
    li.style.setProperty('--user-colour', user.colour);
    li.title = user.me ? `${user.name} (you)` : user.name;
    const dot = document.createElement('span');
    dot.className = 'presence-dot';
    dot.setAttribute('aria-hidden', 'true');
    const name = document.createElement('span');
    name.className = 'presence-name';
    name.textContent = user.name;
    li.append(dot, name);
    if (user.me) {
      const you = document.createElement('span');
      you.className = 'presence-you';
      you.textContent = ' (you)';
      li.append(you);
    }
    return li;
  });
  list.replaceChildren(...items);
  list.dataset.count = String(users.length);
}
