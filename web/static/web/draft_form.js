/* The draft form: offer only the kinds that the chosen session's body takes, and its usual kind by default
   (the server refuses any other; this saves the author the error). */
(function () {
  "use strict";
  var session = document.getElementById("id_session");
  var kind = document.getElementById("id_kind");
  if (!session || !kind) {
    return;
  }

  function fit() {
    var chosen = session.options[session.selectedIndex];
    if (!chosen || !chosen.dataset.body) {
      return;
    }
    var body = chosen.dataset.body;
    Array.prototype.forEach.call(kind.options, function (option) {
      var fits = option.dataset.body === body;
      option.disabled = !fits;
      option.hidden = !fits;
    });
    if (kind.options[kind.selectedIndex].disabled) {
      kind.value = chosen.dataset.defaultKind;
    }
  }

  session.addEventListener("change", fit);
  fit();
})();
