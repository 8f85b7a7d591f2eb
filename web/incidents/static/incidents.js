// The incident page's one piece of script (CSP: no inline scripts). htmx 2 does not swap
// error responses; a form refused by the core (422) comes back as the form with the error
// beside the field, retargeted to itself (HX-Retarget), and must be shown.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
