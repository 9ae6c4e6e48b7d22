// The demo page's own script (the page's CSP allows scripts from this origin only, no inline
// ones): shows which visitor this is and opens the chat from the page's "Get help" button.
(function () {
  'use strict';
  var signedIn = /(?:^|[?&])demo_user=(?!0(?:&|$))/.test(location.search);
  var who = document.getElementById('who');
  if (who) who.textContent = signedIn ? 'Signed in: u_demo' : 'Anonymous visitor';
  var current = document.getElementById(signedIn ? 'mode-user' : 'mode-anon');
  if (current) current.setAttribute('aria-current', 'page');
  // What a wallet's page does when the widget's identity token runs out: ask its own server for a
  // fresh one (here the demo's) and hand it over.
  if (signedIn) {
    window.addEventListener('kycdesk:identity-expired', function () {
      fetch('/demo/identity', { method: 'POST' })
        .then(function (r) { return r.json(); })
        .then(function (body) { if (body.identity && window.KycDesk) window.KycDesk.setIdentity(body.identity); })
        .catch(function () { /* the widget says the message was not sent, with a retry */ });
    });
  }
  var help = document.getElementById('help');
  if (help) {
    help.addEventListener('click', function () {
      if (window.KycDesk) window.KycDesk.open();
      else window.dispatchEvent(new Event('kycdesk:open'));
    });
  }
})();
