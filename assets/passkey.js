// The browser's side of a passkey (WebAuthn), with @simplewebauthn/browser (served as /assets/simplewebauthn-browser.js).
// A code field carrying data-passkey-get (sign in) or data-passkey-create (set-up) holds the ceremony's options as
// JSON; when its form is sent with the field empty, the browser's passkey prompt runs and its answer is sent in the
// field. A typed value (a recovery code, on the account page) is sent as it is.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var fields = document.querySelectorAll('input[data-passkey-get], input[data-passkey-create]');
  fields.forEach(function (field) {
    var form = field.form;
    var problem = form.querySelector('.passkey-problem');
    var show = function (element) { if (element) element.hidden = false; };
    if (!lib || !lib.browserSupportsWebAuthn()) {
      show(form.querySelector('.passkey-unsupported'));
      return;
    }
    form.addEventListener('submit', function (event) {
      if (field.value) return;
      event.preventDefault();
      if (problem) problem.hidden = true;
      var create = field.hasAttribute('data-passkey-create');
      var optionsJSON = JSON.parse(field.getAttribute(create ? 'data-passkey-create' : 'data-passkey-get'));
      var ceremony = create ? lib.startRegistration({ optionsJSON: optionsJSON }) : lib.startAuthentication({ optionsJSON: optionsJSON });
      ceremony.then(function (answer) {
        field.value = JSON.stringify(answer);
        form.submit();
      }, function () {
        // Cancelled, timed out or refused by the authenticator: the person may try again.
        show(problem);
      });
    });
  });
})();
