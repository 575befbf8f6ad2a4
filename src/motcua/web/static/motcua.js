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
