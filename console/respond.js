// The holder's answer page, made a little easier when scripts run: the exemption fields show
// only when "except categories we must keep" is chosen, and the answer cannot be sent twice by a
// double click. Without JavaScript the page works the same, all fields shown.

const form = document.getElementById("answer");
const exempt = document.getElementById("exempt");

if (form instanceof HTMLFormElement && exempt) {
  const sync = () => {
    const chosen = form.querySelector('input[name="outcome"]:checked');
    const isExempt = chosen instanceof HTMLInputElement && chosen.value === "EXEMPT";
    exempt.classList.toggle("hidden", !isExempt);
    const reason = document.getElementById("reason");
    if (reason instanceof HTMLInputElement) reason.required = isExempt;
  };
  form.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", () => {
    const button = form.querySelector('button[type="submit"]');
    if (button instanceof HTMLButtonElement) button.disabled = true;
  });
  document.documentElement.dataset.enhanced = "true";
}
