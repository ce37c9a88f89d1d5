// The server never sees a link's #fragment (the Origam client keeps the chatroom there): carry it through the
// log-in, unless the next page already names one.
(function () {
  "use strict";
  if (!window.location.hash) {
    return;
  }
  var next = document.querySelector('input[name="next"]');
  if (next && next.value && next.value.indexOf("#") === -1) {
    next.value += window.location.hash;
  }
})();
