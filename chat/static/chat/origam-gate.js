// The Origam client page's gate, sent only to a visitor without a session. The Origam main client opens the
// page with a bearer token in sessionStorage["origamAuthToken"], which the server cannot see: with one, the
// client loads and uses it; without one, the visitor logs in and comes back here, #fragment included (the
// client keeps the open chatroom there).
(function () {
  "use strict";
  var token = null;
  try {
    token = window.sessionStorage.getItem("origamAuthToken");
  } catch (error) {
    // Storage can be switched off; then there is no token to find.
    token = null;
  }
  if (token) {
    return;
  }
  var login = document.currentScript.getAttribute("data-login-url");
  var back = window.location.pathname + window.location.search + window.location.hash;
  window.location.replace(login + "?next=" + encodeURIComponent(back));
})();
