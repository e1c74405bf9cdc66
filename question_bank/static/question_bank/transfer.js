// Polls an import job's status and moves on when it is finished (progress bar on the import pages).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) return;
  var bar = document.getElementById("job-progress-bar");
  var label = box.querySelector("[data-progress-label]");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.value = data.progress;
        label.textContent = data.label + " " + data.progress + "%";
        if (data.next) { window.location.assign(data.next); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
