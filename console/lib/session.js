// The signed-in token, kept for the browser tab's session only (sessionStorage), and the
// viewer it names (role, organisation), which decides what the console offers.

const KEY = "tr.token";
let viewer = null;
const listeners = new Set();

export const session = {
  token: () => sessionStorage.getItem(KEY),
  viewer: () => viewer,
  role: () => viewer?.role ?? null,
  /** Whether the signed-in role may change the register (not an AUDITOR, not a PROCESSOR). */
  canEdit: () => ["ADMIN", "DPO", "PROCUREMENT"].includes(viewer?.role),
  /** Whether it may file and steer data-subject requests. */
  canHandleRequests: () => ["ADMIN", "DPO"].includes(viewer?.role),
  signIn(token, who) {
    sessionStorage.setItem(KEY, token);
    viewer = who;
    listeners.forEach((f) => f());
  },
  setViewer(who) {
    viewer = who;
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    viewer = null;
    listeners.forEach((f) => f());
  },
  /** The token (or the identity provider's session) was refused: back to the sign-in page. */
  expired() {
    if (sessionStorage.getItem(KEY) || viewer) this.signOut();
  },
  /** Whether the person signed in with the identity provider (a session cookie, no token). */
  signedInWithProvider: () => Boolean(viewer?.signedIn),
  onChange(f) {
    listeners.add(f);
  },
};
