/* Every page, on a phone: the header's links fold into a menu, and the list's filters fold away unless some
   are applied. Without this script both simply stay open. */
(function () {
  "use strict";
  var PHONE = window.matchMedia("(max-width: 39.99rem)");

  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) {
      return;
    }
    function fit() {
      var folded = PHONE.matches;
      toggle.hidden = !folded;
      menu.classList.toggle("folded", folded && toggle.getAttribute("aria-expanded") !== "true");
    }
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      fit();
    });
    PHONE.addEventListener("change", fit);
    fit();
  }

  function foldFilters() {
    var panel = document.getElementById("filter-panel");
    if (panel && PHONE.matches && !window.location.search.replace(/^\?/, "").replace(/(^|&)page=[^&]*/, "")) {
      panel.open = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    foldFilters();
  });
})();
