/* vimon — keyboard shortcuts for the review queue: j/k move, x select, c confirm, d dismiss, o open case. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tr[data-row]"));
  var form = document.getElementById("review-form");
  if (!rows.length || !form) return;
  var at = 0;
  function show() { rows.forEach(function (r, i) { r.classList.toggle("cursor", i === at); }); }
  function boxes(r) { return r.querySelectorAll("input[type=checkbox]"); }
  function submit(action) {
    var any = form.querySelector("input[type=checkbox]:checked");
    if (!any) Array.prototype.forEach.call(boxes(rows[at]), function (b) { b.checked = true; });
    if (action === "open") { document.getElementById("open-case").click(); return; }
    var btn = form.querySelector("button[value=" + action + "]");
    if (btn) btn.click();
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.target && /INPUT|TEXTAREA|SELECT/.test(ev.target.tagName)) return;
    if (ev.key === "j") { at = Math.min(rows.length - 1, at + 1); show(); }
    else if (ev.key === "k") { at = Math.max(0, at - 1); show(); }
    else if (ev.key === "x") { Array.prototype.forEach.call(boxes(rows[at]), function (b) { b.checked = !b.checked; }); }
    else if (ev.key === "c") submit("confirm");
    else if (ev.key === "d") submit("dismiss");
    else if (ev.key === "o") submit("open");
    else return;
    ev.preventDefault();
  });
  show();
})();
