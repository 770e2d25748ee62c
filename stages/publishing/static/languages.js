// Languages of a guide of several languages: remembers the visitor's choice, and on a language-neutral page (the
// site's front page, or the stop page a QR label points at) goes on to it, or else to the browser's preferred language
// when the guide has it; otherwise the page stays and shows its links, which work without this script.
// Loaded in the head of a neutral page (so that it leaves before anything shows) and at the end of every other page.
(function () {
  "use strict";
  var KEY = "guide-language";

  function remembered() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }  // storage off: as if none
  }

  function remember(code) {
    try { window.localStorage.setItem(KEY, code); } catch (e) { /* storage off: the links still work */ }
  }

  // A choice is any link to a language's page: the neutral page's links and every page's switch.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[hreflang]") : null;
    if (link) remember(link.getAttribute("hreflang"));
  });

  // Only a neutral page names its languages' pages as <link rel="alternate"> (in the head, before this script).
  var pages = {};
  var alternates = document.querySelectorAll("link[rel='alternate'][hreflang]");
  for (var i = 0; i < alternates.length; i++) pages[alternates[i].getAttribute("hreflang")] = alternates[i].href;
  if (!alternates.length) return;

  var wanted = [remembered()];
  var preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (var j = 0; j < preferred.length; j++) {
    // "en-US" → "en", "zh-Hant-TW" → "zh": the guide's languages are named by their primary subtag.
    if (preferred[j]) wanted.push(String(preferred[j]).toLowerCase().split("-")[0]);
  }
  for (var k = 0; k < wanted.length; k++) {
    if (wanted[k] && Object.prototype.hasOwnProperty.call(pages, wanted[k])) {
      window.location.replace(pages[wanted[k]]);  // replace: Back leaves the guide instead of coming here again
      return;
    }
  }
})();
