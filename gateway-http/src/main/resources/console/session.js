// The signed-in session: a SAS token in sessionStorage (gone when the tab closes), never the key.

const STORAGE_KEY = 'gatehouse.console.session';

export function current() {
  try {
    const session = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    if (session && session.expiry > Date.now() / 1000 + 5) return session;
  } catch {
    // nothing usable stored
  }
  return null;
}

export function save(session) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clear() {
  sessionStorage.removeItem(STORAGE_KEY);
}
