// Sign-in with a token (kept in sessionStorage for this tab only).

import { ApiError, documentAt } from "../lib/api.js";
import { clearErrors, field, fill, h, showError } from "../lib/dom.js";
import { session } from "../lib/session.js";

const DOC = new URL("./signin.graphql", import.meta.url);

export async function render(main, { onSignedIn }) {
  document.title = "Sign in · Transfer register";
  const input = h("input", { name: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h(
    "form",
    { class: "card signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in"),
    h("p", {}, "Paste the token you were given (", h("code", {}, "transfer-register token create"), " prints one). It is kept for this browser tab only."),
    field("Token", input),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const token = input.value.trim();
    const query = await documentAt(DOC);
    try {
      const response = await fetch("/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, operationName: "Viewer" }),
      });
      const json = await response.json();
      if (json.errors?.length) throw new ApiError(json.errors);
      session.signIn(token, json.data.viewer);
      onSignedIn();
    } catch (e) {
      const message = e.code === "UNAUTHENTICATED" ? "This token is unknown, revoked or expired." : e.message;
      showError(form, { field: "token", message });
    }
  });
  fill(main, form);
  input.focus();
  // When the register is set up with an identity provider, people sign in there.
  try {
    const status = await (await fetch("/auth/status")).json();
    if (status.identityProvider) {
      form.before(
        h(
          "section",
          { class: "card signin", "aria-labelledby": "provider-title" },
          h("h1", { id: "provider-title" }, "Sign in"),
          h("p", {}, "Sign in with your organisation's account; your groups there decide what you may do."),
          h("a", { href: "/auth/login", class: "button primary", id: "sign-in-with-provider" }, "Sign in with your identity provider"),
        ),
      );
      form.querySelector("h1").textContent = "Or sign in with a token";
      document.getElementById("sign-in-with-provider").focus();
    }
  } catch {
    // The token box alone.
  }
}
