/* The exports page: follow the exports that are still waiting or running, and offer the download when done. */
(function () {
  "use strict";
  var INTERVAL_MS = 1500;
  var RETRY_MS = 6000;

  function part(row, role) {
    return row.querySelector('[data-role="' + role + '"]');
  }

  function show(row, data) {
    var progress = part(row, "progress");
    progress.max = data.progress_max;
    if (data.progress_value === null) {
      progress.removeAttribute("value");
    } else {
      progress.value = data.progress_value;
    }
    progress.textContent = data.done + " / " + data.total;
    var status = part(row, "status");
    if (status.textContent !== data.status_label) {
      status.textContent = data.status_label;
    }
    part(row, "count").textContent = data.count_label;
    var error = part(row, "error");
    error.textContent = data.error;
    error.hidden = !data.error;
    var download = part(row, "download");
    if (data.download_url) {
      download.href = data.download_url;
      download.hidden = false;
    }
    row.dataset.finished = data.finished ? "true" : "false";
  }

  function follow(row) {
    fetch(row.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        show(row, data);
        if (!data.finished) {
          window.setTimeout(follow, INTERVAL_MS, row);
        }
      })
      .catch(function () {
        window.setTimeout(follow, RETRY_MS, row);
      });
  }

  document.querySelectorAll("tr.export[data-status-url]").forEach(function (row) {
    if (row.dataset.finished !== "true") {
      window.setTimeout(follow, INTERVAL_MS, row);
    }
  });
})();
