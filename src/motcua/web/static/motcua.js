/* Asks again before a destructive action (refuse, revoke, cancel): a submit button or form
   with data-confirm="question". Loaded as a file, never inline, so a Content-Security-Policy
   without inline scripts keeps it; without JavaScript the form still works as written. */
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var question = (button && button.getAttribute("data-confirm")) ||
    event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

/* A table that scrolls sideways inside its own box (any table on a phone, a wide one anywhere)
   takes keyboard focus while, and only while, it overflows, so it can be scrolled with the
   arrow keys (WCAG 2.1.1); the site-wide focus outline shows where the keyboard is. */
function markScrollers() {
  document.querySelectorAll("main table, main .scroll, main .table-scroll").forEach(function (box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("data-scroll-focus", "");
    } else if (!overflows && box.hasAttribute("data-scroll-focus")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("data-scroll-focus");
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollers);
window.addEventListener("resize", markScrollers);
