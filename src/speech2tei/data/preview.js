/* speech2tei preview: small conveniences on top of a page that works without script. */
(function () {
  "use strict";
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  function setOutline(open) { all("nav.outline details").forEach(function (d) { d.open = open; }); }
  function on(id, event, handler) {
    var el = document.getElementById(id);
    if (el) { el.addEventListener(event, handler); }
  }
  on("outline-open", "click", function () { setOutline(true); });
  on("outline-close", "click", function () {
    setOutline(false);
    all("nav.outline details.doc").forEach(function (d) { d.open = true; });
  });
  on("show-rejected", "change", function (e) {
    document.body.classList.toggle("hide-rejected", !e.target.checked);
  });
  /* A target inside a closed <details> (the removed-text ledger) opens it before scrolling. */
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS" && !p.open) { p.open = true; }
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
