// Scoring overview: poll the scoring job's progress while it is waiting or running.
(function () {
  "use strict";
  var status = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");
  if (!status || !bar) { return; }
  var url = status.getAttribute("data-job-url");
  var field = function (name) { return status.querySelector('[data-field="' + name + '"]'); };

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        field("status").textContent = job.status;
        field("phase").textContent = job.phase;
        bar.value = job.progress;
        if (job.status === "pending" || job.status === "running") {
          window.setTimeout(poll, 2000);
        } else if (job.status === "done") {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  var initial = field("status").textContent.trim();
  if (initial === "pending" || initial === "running") { window.setTimeout(poll, 1000); }
})();
