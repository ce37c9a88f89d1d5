// The one-time token is selected when focused, ready to copy (an external script: the CSP allows no inline one).
document.querySelectorAll("input.select-on-focus").forEach(function (input) {
  input.addEventListener("focus", function () {
    input.select();
  });
});
