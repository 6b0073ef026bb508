// Herald embeddable signup form: fills the browser's time zone and submits without leaving
// the page. Works without JavaScript too (plain form post, answered with a JSON 202).
(function () {
  "use strict";
  var form = document.getElementById("herald-form");
  if (!form) return;
  var status = document.getElementById("herald-status");
  var tz = form.querySelector('input[name="timezone"]');
  try {
    if (tz) tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) { /* older browsers: the list's default time zone applies */ }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.className = "";
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, { method: "POST", body: body, credentials: "omit" })
      .then(function (response) {
        if (response.status === 202) {
          form.reset();
          form.hidden = true;
          status.textContent = status.getAttribute("data-thanks");
          status.className = "ok";
        } else {
          status.textContent = status.getAttribute(
            response.status === 429 ? "data-busy" : "data-error");
          status.className = "err";
        }
      })
      .catch(function () {
        status.textContent = status.getAttribute("data-error");
        status.className = "err";
      })
      .then(function () { button.disabled = false; status.focus(); });
  });
})();
