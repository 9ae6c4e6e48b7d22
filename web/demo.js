// The demo page's own script (the page's CSP allows scripts from this origin only, no inline
// ones): shows which visitor this is and opens the chat from the page's "Get help" button.
(function () {
  'use strict';
  var signedIn = /(?:^|[?&])demo_user=(?!0(?:&|$))/.test(location.search);
  var who = document.getElementById('who');
  if (who) who.textContent = signedIn ? 'Signed in: u_demo' : 'Anonymous visitor';
  var current = document.getElementById(signedIn ? 'mode-user' : 'mode-anon');
  if (current) current.setAttribute('aria-current', 'page');
  var help = document.getElementById('help');
  if (help) {
    help.addEventListener('click', function () {
      if (window.KycDesk) window.KycDesk.open();
      else window.dispatchEvent(new Event('kycdesk:open'));
    });
  }
})();
