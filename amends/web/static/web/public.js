// The customers' pages. Kept in a file, not inline, so the Content-Security-Policy can refuse every inline script.

// One click sends once: the button waits while the page is on its way.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-send-once")) return;
  const button = form.querySelector("button[type=submit]");
  if (button) window.setTimeout(function () { button.disabled = true; }, 0);
});
