// The holder's answer page, made a little easier when scripts run: the exemption fields show
// only when "except categories we must keep" is chosen, and the answer cannot be sent twice by a
// double click; the answer is sent as a plain form unless an evidence file is attached. Without
// JavaScript the page works the same, all fields shown, always as a multipart form.

const form = document.getElementById("answer");
const exempt = document.getElementById("exempt");

if (form instanceof HTMLFormElement && exempt) {
  const sync = () => {
    const chosen = form.querySelector('input[name="outcome"]:checked');
    const isExempt = chosen instanceof HTMLInputElement && chosen.value === "EXEMPT";
    exempt.classList.toggle("hidden", !isExempt);
    const reason = document.getElementById("reason");
    if (reason instanceof HTMLInputElement) reason.required = isExempt;
    // A plain form unless a file is attached (without scripts the form is always multipart).
    const file = document.getElementById("file");
    const attached = file instanceof HTMLInputElement && file.files !== null && file.files.length > 0;
    form.enctype = attached ? "multipart/form-data" : "application/x-www-form-urlencoded";
  };
  form.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", () => {
    const button = form.querySelector('button[type="submit"]');
    if (button instanceof HTMLButtonElement) button.disabled = true;
  });
  document.documentElement.dataset.enhanced = "true";
}
