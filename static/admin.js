// leadbox admin: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change; the button stays for no-JS.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    var button = sel.form && sel.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
  // Buttons marked data-confirm ask first.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    el.addEventListener("click", function () {
      var target = document.getElementById(el.getAttribute("data-copy"));
      if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
      el.textContent = "✓";
    });
  });
  // Double submits: a form's buttons are disabled once it is sent.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
